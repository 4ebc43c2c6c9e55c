-- What the city's dashboard reads, kept current as events arrive: a statement-level
-- trigger folds each INSERT's new rows into small tables (each centre now, its counters,
-- every ticket, each centre's day in figures), so the dashboard never scans the log and
-- reads one row per centre whatever the history holds (goal: 200 ms with 30 days of 126
-- centres; measured about 2 ms).  Each event costs a few primary-key updates, nothing
-- that grows with the day: the centres' lag (goal: 1 s) stays the shipper's.
--
-- The trigger sees the statement's transition table, which holds only the rows really
-- inserted: a batch sent again (the shipper's ON CONFLICT DO NOTHING) folds nothing.
-- The shipper sends each centre's events in seq order, so folding a batch in seq order
-- folds the centre's whole log in order.
--
-- The folds are those of the centre's own daily report (queue_server/reports/daily.py),
-- so the city's figures mean the same: a wait is issue to first call, a served ticket is
-- one finished after it started (not ended unstarted by NEXT), a service's length runs
-- from its start (else its last call) to its finish and is unknown when the night's
-- close finished it, and a rating counts for the ticket's day even when given after it.

-- Each centre now: its latest event, when it came (the link's lag) and its business day.
CREATE TABLE city.centres (
    centre_id   text PRIMARY KEY,
    day         date,
    last_seq    bigint      NOT NULL,
    last_at     timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    lag_s       double precision NOT NULL
);

-- Each centre's counters now: open, paused or closed.
CREATE TABLE city.counters (
    centre_id text NOT NULL,
    counter   int  NOT NULL,
    state     text NOT NULL,
    PRIMARY KEY (centre_id, counter)
);

-- Every ticket's day, as the daily report's TicketRecord holds it, less its priority
-- class (who is elderly or disabled: the dashboard needs none of it).  Ticket ids never
-- restart at a centre, so (centre_id, ticket) names one ticket for good.
CREATE TABLE city.tickets (
    centre_id       text        NOT NULL,
    ticket          bigint      NOT NULL,
    day             date        NOT NULL,
    number          text        NOT NULL,
    service         text        NOT NULL,
    issued_at       timestamptz NOT NULL,
    waiting_since   timestamptz NOT NULL,
    first_called_at timestamptz,
    began_at        timestamptz,
    finished_at     timestamptz,
    untimed         boolean     NOT NULL DEFAULT false,
    outcome         text        NOT NULL DEFAULT 'waiting',
    counter         int,
    transfers       int         NOT NULL DEFAULT 0,
    rating          text,
    reason          text,
    PRIMARY KEY (centre_id, ticket)
);
CREATE INDEX tickets_by_day ON city.tickets (day, centre_id);
CREATE INDEX tickets_by_centre_day ON city.tickets (centre_id, day);
-- The longest wait now: the first entry per centre and day, read at once.
CREATE INDEX tickets_waiting ON city.tickets (centre_id, day, waiting_since)
    WHERE outcome = 'waiting';

-- Each centre's day in counts, changed by each event by what it changed in a ticket.
-- `waits` holds every called ticket's wait in seconds (a wait is set once, at the first
-- call), so the median is taken at read time from a few hundred numbers in one row.
CREATE TABLE city.centre_days (
    centre_id text               NOT NULL,
    day       date               NOT NULL,
    issued    int                NOT NULL DEFAULT 0,
    served    int                NOT NULL DEFAULT 0,
    waiting   int                NOT NULL DEFAULT 0,
    rated     int                NOT NULL DEFAULT 0,
    satisfied int                NOT NULL DEFAULT 0,
    waits     double precision[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (centre_id, day)
);

-- One event into the tables above.  Never raises on a body it does not understand: a
-- centre's INSERT must not fail because of the dashboard.
CREATE FUNCTION city.fold_event(centre text, day date, at timestamptz, kind text, body jsonb)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    the_ticket  bigint;
    the_counter int;
    ticket_day  date;
    issued_then timestamptz;
    old_outcome text;
    new_outcome text;
    old_called  timestamptz;
    new_called  timestamptz;
    old_rating  text;
    new_rating  text;
BEGIN
    IF jsonb_typeof(body->'ticket') = 'number' THEN
        the_ticket := (body->>'ticket')::numeric::bigint;
    END IF;
    IF jsonb_typeof(body->'counter') = 'number' THEN
        the_counter := (body->>'counter')::numeric::int;
    END IF;

    IF kind = 'TicketIssued' THEN
        IF the_ticket IS NULL THEN
            RETURN;
        END IF;
        INSERT INTO city.tickets (centre_id, ticket, day, number, service, issued_at,
                                  waiting_since)
        VALUES (centre, the_ticket, day, coalesce(body->>'number', ''),
                coalesce(body->>'service', ''), at, at)
        ON CONFLICT DO NOTHING;
        IF FOUND THEN
            INSERT INTO city.centre_days AS d (centre_id, day, issued, waiting)
            VALUES (centre, day, 1, 1)
            ON CONFLICT ON CONSTRAINT centre_days_pkey DO UPDATE
               SET issued = d.issued + 1, waiting = d.waiting + 1;
        END IF;
        RETURN;
    END IF;

    IF kind IN ('CounterOpened', 'CounterResumed', 'CounterPaused', 'CounterClosed') THEN
        IF the_counter IS NOT NULL THEN
            INSERT INTO city.counters AS c (centre_id, counter, state)
            VALUES (centre, the_counter, CASE kind WHEN 'CounterPaused' THEN 'paused'
                                                   WHEN 'CounterClosed' THEN 'closed'
                                                   ELSE 'open' END)
            ON CONFLICT (centre_id, counter) DO UPDATE SET state = excluded.state;
        END IF;
        RETURN;
    END IF;

    IF kind = 'DayOpened' THEN
        UPDATE city.centres AS c SET day = fold_event.day WHERE c.centre_id = centre;
        RETURN;
    END IF;

    IF the_ticket IS NULL OR kind NOT IN (
        'TicketCalled', 'ServiceStarted', 'TicketFinished', 'TicketNoShow', 'TicketRequeued',
        'TicketReactivated', 'TicketTransferred', 'TicketCancelled',
        'TicketExpired', 'ServiceRated') THEN
        RETURN;  -- printers, appointments: nothing the dashboard shows
    END IF;

    SELECT t.day, t.issued_at, t.outcome, t.first_called_at, t.rating
      INTO ticket_day, issued_then, old_outcome, old_called, old_rating
      FROM city.tickets t WHERE t.centre_id = centre AND t.ticket = the_ticket;
    IF NOT FOUND THEN
        RETURN;
    END IF;

    UPDATE city.tickets AS t SET
        outcome = CASE kind
            WHEN 'TicketCalled' THEN 'at_counter'
            WHEN 'TicketFinished' THEN
                CASE WHEN (body->>'never_started') = 'true' THEN 'ended' ELSE 'done' END
            WHEN 'TicketNoShow' THEN 'no_show'
            WHEN 'TicketRequeued' THEN 'waiting'
            WHEN 'TicketReactivated' THEN 'waiting'
            WHEN 'TicketTransferred' THEN 'waiting'
            WHEN 'TicketCancelled' THEN 'cancelled'
            WHEN 'TicketExpired' THEN
                CASE WHEN t.outcome = 'no_show' THEN 'no_show' ELSE 'expired' END
            ELSE t.outcome END,
        first_called_at = CASE WHEN kind = 'TicketCalled'
                               THEN coalesce(t.first_called_at, at) ELSE t.first_called_at END,
        began_at = CASE WHEN kind IN ('TicketCalled', 'ServiceStarted') THEN at
                        ELSE t.began_at END,
        finished_at = CASE WHEN kind = 'TicketFinished' THEN at ELSE t.finished_at END,
        untimed = CASE WHEN kind = 'TicketFinished'
                       THEN (body->>'by_close') = 'true' OR (body#>>'{actor,kind}') = 'system'
                       ELSE t.untimed END,
        counter = CASE WHEN kind IN ('TicketCalled', 'TicketFinished') THEN the_counter
                       ELSE t.counter END,
        transfers = t.transfers + (kind = 'TicketTransferred')::int,
        waiting_since = CASE
            WHEN kind <> 'TicketTransferred' THEN t.waiting_since
            WHEN jsonb_typeof(body->'waiting_since') = 'number'
                THEN to_timestamp((body->>'waiting_since')::float8)
            ELSE at END,
        rating = CASE WHEN kind = 'ServiceRated' THEN body->>'rating' ELSE t.rating END,
        reason = CASE WHEN kind = 'ServiceRated' THEN body->>'reason' ELSE t.reason END
     WHERE t.centre_id = centre AND t.ticket = the_ticket
    RETURNING t.outcome, t.first_called_at, t.rating INTO new_outcome, new_called, new_rating;

    IF new_outcome IS DISTINCT FROM old_outcome OR new_called IS DISTINCT FROM old_called
       OR new_rating IS DISTINCT FROM old_rating THEN
        UPDATE city.centre_days AS d SET
            waiting = d.waiting + (new_outcome = 'waiting')::int - (old_outcome = 'waiting')::int,
            served = d.served + (new_outcome = 'done')::int - (old_outcome = 'done')::int,
            waits = CASE WHEN old_called IS NULL AND new_called IS NOT NULL
                         THEN d.waits || extract(epoch FROM new_called - issued_then)::float8
                         ELSE d.waits END,
            rated = d.rated + (new_rating IS NOT NULL)::int - (old_rating IS NOT NULL)::int,
            satisfied = d.satisfied
                + coalesce(new_rating IN ('very_satisfied', 'satisfied'), false)::int
                - coalesce(old_rating IN ('very_satisfied', 'satisfied'), false)::int
         WHERE d.centre_id = centre AND d.day = ticket_day;
    END IF;
END
$$;

-- After each INSERT into city.events: fold the rows it really inserted, in seq order,
-- note each centre's newest event, and tell the city service which centres changed
-- (one notification per centre per batch, delivered at commit).  SECURITY DEFINER: a
-- centre's role may write city.events only; the tables above are the schema owner's.
CREATE FUNCTION city.events_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    e record;
BEGIN
    INSERT INTO city.centres AS c (centre_id, day, last_seq, last_at, received_at, lag_s)
    SELECT n.centre_id, NULL, 0, min(n.at), clock_timestamp(), 0
      FROM new_events n GROUP BY n.centre_id
    ON CONFLICT (centre_id) DO NOTHING;
    FOR e IN SELECT n.centre_id, n.day, n.at, n.type, n.body
               FROM new_events n ORDER BY n.centre_id, n.seq LOOP
        PERFORM city.fold_event(e.centre_id, e.day, e.at, e.type, e.body);
    END LOOP;
    UPDATE city.centres AS c
       SET last_seq = b.last_seq, last_at = b.last_at, received_at = clock_timestamp(),
           lag_s = greatest(0, extract(epoch FROM clock_timestamp() - b.last_at)),
           day = greatest(c.day, b.day)
      FROM (SELECT n.centre_id, max(n.seq) AS last_seq, max(n.at) AS last_at, max(n.day) AS day
              FROM new_events n GROUP BY n.centre_id) AS b
     WHERE c.centre_id = b.centre_id AND b.last_seq > c.last_seq;
    PERFORM pg_notify('city_centres', n.centre_id)
       FROM (SELECT DISTINCT centre_id FROM new_events) AS n;
    RETURN NULL;
END
$$;

CREATE TRIGGER events_inserted AFTER INSERT ON city.events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION city.events_inserted();

-- Events already held (a database migrated while centres were shipping): folded once,
-- in seq order, as if they had just arrived.
DO $$
DECLARE
    e record;
BEGIN
    INSERT INTO city.centres (centre_id, day, last_seq, last_at, received_at, lag_s)
    SELECT centre_id, max(day), max(seq), max(at), now(), 0 FROM city.events GROUP BY centre_id;
    FOR e IN SELECT centre_id, day, at, type, body FROM city.events ORDER BY centre_id, seq LOOP
        PERFORM city.fold_event(e.centre_id, e.day, e.at, e.type, e.body);
    END LOOP;
END
$$;

REVOKE ALL ON FUNCTION city.fold_event(text, date, timestamptz, text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION city.events_inserted() FROM PUBLIC;
GRANT SELECT ON city.centres, city.counters, city.tickets, city.centre_days TO city_reader;
