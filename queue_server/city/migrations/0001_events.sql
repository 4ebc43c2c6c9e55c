-- The city's copy of every centre's event log: one row per committed event.
--
-- Partitioned by month on `at`; a partitioned table's keys must hold the partition key,
-- so the key is (centre_id, seq, at).  An event's `at` never changes (the centre's log is
-- append-only), so a resent event meets its own row: the shipper's ON CONFLICT DO NOTHING
-- makes a resend harmless, which is what idempotent on (centre_id, seq) means here.

CREATE SCHEMA IF NOT EXISTS city;

CREATE TABLE city.events (
    centre_id text        NOT NULL,
    seq       bigint      NOT NULL CHECK (seq > 0),
    day       date        NOT NULL,
    at        timestamptz NOT NULL,
    type      text        NOT NULL,
    body      jsonb       NOT NULL,
    PRIMARY KEY (centre_id, seq, at)
) PARTITION BY RANGE (at);

-- Events older than the first month created (a centre's history shipped when it joins)
-- land here, so no event is ever refused for its date.
CREATE TABLE city.events_before PARTITION OF city.events DEFAULT;

CREATE INDEX events_by_centre_day ON city.events (centre_id, day);

-- Creates the partitions of the month of `start` and of the `months` after it, once each.
-- `queue-server city migrate` calls it for this month and the next two: run it monthly
-- (cron), or whenever, since it is idempotent.
CREATE FUNCTION city.ensure_partitions(start date, months int) RETURNS int
LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', start)::date;
    lower date;
    made  int := 0;
    name  text;
BEGIN
    FOR i IN 0..months LOOP
        lower := (first + make_interval(months => i))::date;
        name := 'events_' || to_char(lower, 'YYYY_MM');
        IF to_regclass('city.' || name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE city.%I PARTITION OF city.events FOR VALUES FROM (%L) TO (%L)',
                name, lower::timestamptz, (lower + interval '1 month')::timestamptz
            );
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END
$$;
