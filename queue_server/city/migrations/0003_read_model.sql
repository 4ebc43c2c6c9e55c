-- What the city's dashboard reads, kept current as events arrive: a statement-level
-- trigger folds each INSERT's new rows into three small tables, so the dashboard never
-- scans the event log.
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

-- Every ticket's day, as the daily report's TicketRecord holds it.  Ticket ids never
-- restart at a centre, so (centre_id, ticket) names one ticket for good.
CREATE TABLE city.tickets (
    centre_id       text        NOT NULL,
    ticket          bigint      NOT NULL,
    day             date        NOT NULL,
    number          text        NOT NULL,
    service         text        NOT NULL,
    priority        text,
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
CREATE INDEX tickets_waiting ON city.tickets (centre_id, waiting_since)
    WHERE outcome = 'waiting';

-- One event into the tables above.  Never raises on a body it does not understand: a
-- centre's INSERT must not fail because of the dashboard.
CREATE FUNCTION city.fold_event(centre text, day date, at timestamptz, kind text, body jsonb)
RETURNS void LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    the_ticket  bigint;
    the_counter int;
BEGIN
    IF jsonb_typeof(body->'ticket') = 'number' THEN
        the_ticket := (body->>'ticket')::numeric::bigint;
    END IF;
    IF jsonb_typeof(body->'counter') = 'number' THEN
        the_counter := (body->>'counter')::numeric::int;
    END IF;
    CASE kind
    WHEN 'TicketIssued' THEN
        IF the_ticket IS NOT NULL THEN
            INSERT INTO city.tickets AS t (centre_id, ticket, day, number, service, priority,
                                           issued_at, waiting_since)
            VALUES (centre, the_ticket, day, coalesce(body->>'number', ''),
                    coalesce(body->>'service', ''), body->>'priority', at, at)
            ON CONFLICT DO NOTHING;
        END IF;
    WHEN 'TicketCalled' THEN
        UPDATE city.tickets AS t
           SET first_called_at = coalesce(t.first_called_at, at), outcome = 'at_counter',
               counter = the_counter, began_at = at
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'ServiceStarted' THEN
        UPDATE city.tickets AS t SET began_at = at
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketFinished' THEN
        UPDATE city.tickets AS t
           SET outcome = CASE WHEN (body->>'never_started') = 'true' THEN 'ended' ELSE 'done' END,
               counter = the_counter, finished_at = at,
               untimed = (body->>'by_close') = 'true' OR (body#>>'{actor,kind}') = 'system'
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketNoShow' THEN
        UPDATE city.tickets AS t SET outcome = 'no_show'
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketRequeued', 'TicketReactivated' THEN
        UPDATE city.tickets AS t SET outcome = 'waiting'
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketTransferred' THEN
        UPDATE city.tickets AS t
           SET outcome = 'waiting', transfers = t.transfers + 1,
               waiting_since = CASE WHEN jsonb_typeof(body->'waiting_since') = 'number'
                                    THEN to_timestamp((body->>'waiting_since')::float8)
                                    ELSE at END
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketPriorityChanged' THEN
        UPDATE city.tickets AS t SET priority = body->>'priority'
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketCancelled' THEN
        UPDATE city.tickets AS t SET outcome = 'cancelled'
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'TicketExpired' THEN
        UPDATE city.tickets AS t
           SET outcome = CASE WHEN t.outcome = 'no_show' THEN 'no_show' ELSE 'expired' END
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'ServiceRated' THEN
        UPDATE city.tickets AS t SET rating = body->>'rating', reason = body->>'reason'
         WHERE t.centre_id = centre AND t.ticket = the_ticket;
    WHEN 'CounterOpened', 'CounterResumed', 'CounterPaused', 'CounterClosed' THEN
        IF the_counter IS NOT NULL THEN
            INSERT INTO city.counters AS c (centre_id, counter, state)
            VALUES (centre, the_counter, CASE kind WHEN 'CounterPaused' THEN 'paused'
                                               WHEN 'CounterClosed' THEN 'closed'
                                               ELSE 'open' END)
            ON CONFLICT (centre_id, counter) DO UPDATE SET state = excluded.state;
        END IF;
    WHEN 'DayOpened' THEN
        UPDATE city.centres AS c SET day = fold_event.day WHERE c.centre_id = centre;
    ELSE
        NULL;  -- printers, appointments: nothing the dashboard shows
    END CASE;
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
GRANT SELECT ON city.centres, city.counters, city.tickets TO city_reader;
