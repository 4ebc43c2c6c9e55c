-- The city service's own accounts (people of the city's offices, not any centre's staff)
-- and their sessions.  Passwords are Argon2id hashes, as the centres' accounts; a session
-- is kept as the SHA-256 of its random token, so the table is useless to a thief.
--
-- The service logs in as a role in `city_service`: it reads the dashboard's tables (as
-- `city_reader`), looks up accounts, adds them for a city admin and keeps sessions.

CREATE TABLE city.users (
    username      text PRIMARY KEY,
    role          text NOT NULL CHECK (role IN ('city_admin', 'viewer')),
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE city.sessions (
    session_hash text PRIMARY KEY,
    username     text NOT NULL REFERENCES city.users ON DELETE CASCADE,
    csrf         text NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX sessions_by_expiry ON city.sessions (expires_at);

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'city_service') THEN
        CREATE ROLE city_service NOLOGIN;
    END IF;
END
$$;

GRANT city_reader TO city_service;
GRANT SELECT, INSERT ON city.users TO city_service;
GRANT SELECT, INSERT, DELETE ON city.sessions TO city_service;
