-- A tiny stand-in for Koji's schemas/schema.sql: like the real one it is a single
-- transaction's worth of objects, and it ends with the bootstrap admin (as Koji's how-to does), so
-- loading it twice would fail on the unique user name: the check must prevent that.
CREATE TABLE permissions (
	id SERIAL NOT NULL PRIMARY KEY,
	name VARCHAR(50) UNIQUE NOT NULL
);
INSERT INTO permissions (name) VALUES ('admin');
INSERT INTO permissions (name) VALUES ('repo');

CREATE TABLE users (
	id SERIAL NOT NULL PRIMARY KEY,
	name VARCHAR(255) UNIQUE NOT NULL,
	status INTEGER NOT NULL,
	usertype INTEGER NOT NULL
);

CREATE TABLE user_perms (
	user_id INTEGER NOT NULL REFERENCES users(id),
	perm_id INTEGER NOT NULL REFERENCES permissions(id),
	creator_id INTEGER NOT NULL REFERENCES users(id),
	PRIMARY KEY (user_id, perm_id)
);

CREATE VIEW admins AS SELECT users.name FROM user_perms JOIN users ON users.id = user_id JOIN permissions ON permissions.id = perm_id WHERE permissions.name = 'admin';

-- Bootstrap admin (status 0 = NORMAL, usertype 0 = NORMAL); ids looked up by name.
INSERT INTO users (name, status, usertype) VALUES ('kojiadmin', 0, 0);
INSERT INTO user_perms (user_id, perm_id, creator_id)
	SELECT u.id, p.id, u.id FROM users u, permissions p WHERE u.name = 'kojiadmin' AND p.name = 'admin';
