-- Change events (docs/events.md). The outbox of version 1 had no consumer and lacked the fields a
-- published event needs (request id, actor, object), so it is replaced rather than converted.
DROP TABLE event_outbox;

CREATE TABLE event_outbox (
    event_id      uuid PRIMARY KEY,
    -- Insertion order. Events of one object are inserted in commit order (each change holds the
    -- object's row lock), so seq orders them; the relay publishes an object's events in seq order.
    seq           bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    -- The writing transaction: the events API returns only events of transactions older than every
    -- running one, ordered by (xid, seq), so a continuation token never skips a late commit.
    xid           xid8        NOT NULL DEFAULT pg_current_xact_id(),
    created_at    timestamptz NOT NULL,
    warehouse_id  uuid        NOT NULL,
    event_type    text        NOT NULL,
    object_type   text        NOT NULL CHECK (object_type IN ('namespace', 'table', 'view')),
    object_id     uuid        NOT NULL,
    -- The namespace levels and the table or view name as given, and lower-cased for name-prefix filters.
    object_name   text[]      NOT NULL,
    name_key      text[]      NOT NULL,
    request_id    text,
    -- The CloudEvent in structured mode, exactly as built.
    event         text        NOT NULL,
    published_at  timestamptz
);
ALTER TABLE event_outbox ALTER COLUMN event SET COMPRESSION lz4;
CREATE INDEX event_outbox_pending ON event_outbox (seq) WHERE published_at IS NULL;
CREATE INDEX event_outbox_object_pending ON event_outbox (object_id, seq) WHERE published_at IS NULL;
CREATE INDEX event_outbox_log ON event_outbox (warehouse_id, xid, seq);
CREATE INDEX event_outbox_published ON event_outbox (published_at) WHERE published_at IS NOT NULL;
