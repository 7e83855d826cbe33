-- The first statement succeeds, the third fails: with --single-transaction and
-- ON_ERROR_STOP nothing of it may remain.
CREATE TABLE half_done (id INTEGER);
INSERT INTO half_done VALUES (1);
INSERT INTO no_such_table VALUES (1);
