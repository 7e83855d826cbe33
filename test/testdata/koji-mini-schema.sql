-- A small stand-in for Koji's schema.sql (/usr/share/koji/schema.sql): the tables the bootstrap
-- admin touches, shaped as in Koji 1.35 (versioned user_perms with get_event()), wrapped in
-- BEGIN WORK / COMMIT WORK like the real file.
BEGIN WORK;

CREATE TABLE events (
	id SERIAL NOT NULL PRIMARY KEY,
	time TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
) WITHOUT OIDS;

CREATE FUNCTION get_event() RETURNS INTEGER AS '
	INSERT INTO events (time) VALUES (clock_timestamp());
	SELECT currval(''events_id_seq'')::INTEGER;
' LANGUAGE SQL;

CREATE TABLE permissions (
	id SERIAL NOT NULL PRIMARY KEY,
	name VARCHAR(50) UNIQUE NOT NULL,
	description TEXT
) WITHOUT OIDS;

INSERT INTO permissions (name, description) VALUES ('admin', 'Full administrator access.');
INSERT INTO permissions (name, description) VALUES ('host', 'Manage hosts.');
INSERT INTO permissions (name, description) VALUES ('repo', 'Manage repos (kojira).');

CREATE TABLE users (
	id SERIAL NOT NULL PRIMARY KEY,
	name VARCHAR(255) UNIQUE NOT NULL,
	password VARCHAR(255),
	status INTEGER NOT NULL,
	usertype INTEGER NOT NULL
) WITHOUT OIDS;

CREATE TABLE user_perms (
	user_id INTEGER NOT NULL REFERENCES users(id),
	perm_id INTEGER NOT NULL REFERENCES permissions(id),
	create_event INTEGER NOT NULL REFERENCES events(id) DEFAULT get_event(),
	revoke_event INTEGER REFERENCES events(id),
	creator_id INTEGER NOT NULL REFERENCES users(id),
	revoker_id INTEGER REFERENCES users(id),
	active BOOLEAN DEFAULT 'true' CHECK (active),
	PRIMARY KEY (create_event, user_id, perm_id),
	UNIQUE (user_id, perm_id, active)
) WITHOUT OIDS;

COMMIT WORK;
