-- Who may do what: each centre logs in as a role of its own, which may insert rows of its
-- own centre id only (row-level security) and read nothing but the highest seq the city
-- holds for it (to resume); the city's services read everything as `city_reader`.

DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'city_centre') THEN
        CREATE ROLE city_centre NOLOGIN;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'city_reader') THEN
        CREATE ROLE city_reader NOLOGIN;
    END IF;
END
$$;

-- Which centre each login role speaks for.
CREATE TABLE city.centre_roles (
    role      name PRIMARY KEY,
    centre_id text NOT NULL UNIQUE
);

-- The centre id of the role connected now (NULL for any other role).  SECURITY DEFINER:
-- centres cannot read `centre_roles` itself.
CREATE FUNCTION city.my_centre() RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT centre_id FROM city.centre_roles WHERE role = session_user
$$;

-- The highest seq the city holds for the connected centre, 0 when none: where its
-- shipper resumes.  Another centre's id answers NULL, never its figure.
CREATE FUNCTION city.last_seq(centre text) RETURNS bigint
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
    SELECT CASE WHEN centre = city.my_centre()
                THEN coalesce((SELECT max(seq) FROM city.events WHERE centre_id = centre), 0)
           END
$$;

-- Gives an existing login role the right to ship as one centre (see docs/city.md).
CREATE FUNCTION city.register_centre(login name, centre text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO city.centre_roles (role, centre_id) VALUES (login, centre)
        ON CONFLICT (role) DO UPDATE SET centre_id = excluded.centre_id;
    EXECUTE format('GRANT city_centre TO %I', login);
END
$$;

REVOKE ALL ON city.centre_roles FROM PUBLIC;
REVOKE ALL ON FUNCTION city.register_centre(name, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION city.my_centre() FROM PUBLIC;
REVOKE ALL ON FUNCTION city.last_seq(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION city.ensure_partitions(date, int) FROM PUBLIC;

GRANT USAGE ON SCHEMA city TO city_centre, city_reader;
GRANT INSERT ON city.events TO city_centre;
GRANT EXECUTE ON FUNCTION city.my_centre(), city.last_seq(text) TO city_centre;
GRANT SELECT ON city.events TO city_reader;
GRANT SELECT ON city.centre_roles TO city_reader;

ALTER TABLE city.events ENABLE ROW LEVEL SECURITY;

CREATE POLICY centre_inserts_its_own ON city.events FOR INSERT TO city_centre
    WITH CHECK (centre_id = city.my_centre());
CREATE POLICY reader_reads_all ON city.events FOR SELECT TO city_reader
    USING (true);
