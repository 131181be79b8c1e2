-- The relay's queue apart from the stored events (docs/events.md "The outbox"). Marking an event
-- published used to update its row: a new version of the whole event (its CloudEvent included) with
-- new entries in every index, for each event. Now a commit adds a narrow row here next to the event,
-- and the relay deletes it once the brokers acknowledged the event; the event row is written once.
CREATE TABLE event_pending (
    -- The event's event_outbox.seq: the relay publishes an object's events in this order.
    seq         bigint      PRIMARY KEY,
    object_id   uuid        NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX event_pending_object ON event_pending (object_id, seq);

INSERT INTO event_pending (seq, object_id, created_at)
SELECT seq, object_id, created_at FROM event_outbox WHERE published_at IS NULL;

DROP INDEX event_outbox_pending;
DROP INDEX event_outbox_object_pending;
DROP INDEX event_outbox_published;
ALTER TABLE event_outbox DROP COLUMN published_at;
-- Pruning by age: a block range index, next to nothing to maintain on an insert-only table.
CREATE INDEX event_outbox_created ON event_outbox USING brin (created_at);
