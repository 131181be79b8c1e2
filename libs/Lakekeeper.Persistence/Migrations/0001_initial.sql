-- Lakekeeper catalog schema, version 1.
-- Names are compared case-insensitively: the application stores a normalised key next to the
-- name as given (`name_key`), and uniqueness is enforced on the key.

CREATE TABLE server (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    server_id      uuid        NOT NULL,
    bootstrapped_at timestamptz NOT NULL DEFAULT now(),
    terms_accepted boolean     NOT NULL,
    open_for_bootstrap boolean NOT NULL DEFAULT false
);

CREATE TABLE project (
    project_id  uuid PRIMARY KEY,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz
);

CREATE TABLE warehouse (
    warehouse_id     uuid PRIMARY KEY,
    project_id       uuid        NOT NULL REFERENCES project (project_id) ON DELETE RESTRICT,
    name             text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    name_key         text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'inactive')),
    storage_profile  jsonb       NOT NULL,
    -- AES-256-GCM envelope of the storage credential, bound to warehouse_id; never returned.
    storage_secret   bytea,
    delete_profile   jsonb       NOT NULL DEFAULT '{"type":"hard"}',
    version          bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz,
    UNIQUE (project_id, name_key)
);

CREATE TABLE namespace (
    namespace_id  uuid PRIMARY KEY,
    warehouse_id  uuid        NOT NULL REFERENCES warehouse (warehouse_id) ON DELETE CASCADE,
    parent_id     uuid        REFERENCES namespace (namespace_id) ON DELETE RESTRICT,
    -- The levels as given, e.g. {'a','b'}; name_key is the lower-cased levels joined by U+001F.
    name          text[]      NOT NULL CHECK (cardinality(name) >= 1),
    name_key      text        NOT NULL,
    properties    jsonb       NOT NULL DEFAULT '{}',
    version       bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz,
    UNIQUE (warehouse_id, name_key)
);
CREATE INDEX namespace_children ON namespace (warehouse_id, parent_id, name_key);

-- Tables and views share one name space per namespace (a view and a table cannot have the same name).
CREATE TABLE tabular (
    tabular_id         uuid PRIMARY KEY,
    warehouse_id       uuid        NOT NULL REFERENCES warehouse (warehouse_id) ON DELETE CASCADE,
    namespace_id       uuid        NOT NULL REFERENCES namespace (namespace_id) ON DELETE RESTRICT,
    name               text        NOT NULL,
    name_key           text        NOT NULL,
    typ                text        NOT NULL CHECK (typ IN ('table', 'view')),
    -- Location of the current metadata file; compare-and-swap target of every commit.
    metadata_location  text        NOT NULL,
    -- The current metadata document, byte for byte as written to metadata_location.
    metadata           bytea       NOT NULL,
    location           text        NOT NULL,
    format_version     integer     NOT NULL,
    deleted_at         timestamptz,
    version            bigint      NOT NULL DEFAULT 0,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz,
    UNIQUE (namespace_id, name_key)
);
ALTER TABLE tabular ALTER COLUMN metadata SET COMPRESSION lz4;
CREATE INDEX tabular_location ON tabular (warehouse_id, location text_pattern_ops);
CREATE INDEX tabular_listing ON tabular (namespace_id, typ, name_key) WHERE deleted_at IS NULL;

-- Transactional outbox: written in the same transaction as the change it describes;
-- the events service publishes and marks rows.
CREATE TABLE event_outbox (
    event_id      uuid PRIMARY KEY,
    created_at    timestamptz NOT NULL DEFAULT now(),
    warehouse_id  uuid,
    event_type    text        NOT NULL,
    tabular_id    uuid,
    payload       jsonb       NOT NULL,
    published_at  timestamptz
);
CREATE INDEX event_outbox_pending ON event_outbox (created_at) WHERE published_at IS NULL;

-- Idempotency-Key records: the final outcome of a mutation, replayed for a retried request.
CREATE TABLE idempotency_record (
    idempotency_key  text        NOT NULL,
    scope            text        NOT NULL,
    operation        text        NOT NULL,
    request_hash     bytea       NOT NULL,
    status_code      integer     NOT NULL,
    response_body    bytea,
    response_headers jsonb       NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    PRIMARY KEY (scope, idempotency_key)
);
CREATE INDEX idempotency_record_expiry ON idempotency_record (expires_at);

-- Background work (purging a dropped table's files, later soft-deletion expiry and more).
-- Workers claim due rows with FOR UPDATE SKIP LOCKED; a running task whose heartbeat is older than
-- its queue's timeout is claimed again.
CREATE TABLE task (
    task_id            uuid PRIMARY KEY,
    queue              text        NOT NULL,
    warehouse_id       uuid        REFERENCES warehouse (warehouse_id) ON DELETE CASCADE,
    entity_id          uuid,
    -- For storage tasks: the location the task works on. A pending purge keeps it reserved.
    location           text,
    payload            jsonb       NOT NULL DEFAULT '{}',
    status             text        NOT NULL DEFAULT 'scheduled' CHECK (status IN ('scheduled', 'running')),
    scheduled_for      timestamptz NOT NULL DEFAULT now(),
    attempt            integer     NOT NULL DEFAULT 0,
    last_heartbeat_at  timestamptz,
    last_error         text,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX task_due ON task (queue, scheduled_for) WHERE status = 'scheduled';
CREATE INDEX task_location ON task (warehouse_id, location text_pattern_ops) WHERE location IS NOT NULL;

CREATE TABLE task_log (
    task_id       uuid        NOT NULL,
    attempt       integer     NOT NULL,
    queue         text        NOT NULL,
    warehouse_id  uuid,
    entity_id     uuid,
    outcome       text        NOT NULL CHECK (outcome IN ('success', 'failed', 'retrying', 'cancelled')),
    message       text,
    finished_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, attempt)
);

-- Metrics reports sent by engines (scan and commit reports), kept for later queries.
CREATE TABLE table_metrics_report (
    report_id     uuid PRIMARY KEY,
    warehouse_id  uuid        NOT NULL REFERENCES warehouse (warehouse_id) ON DELETE CASCADE,
    tabular_id    uuid        NOT NULL,
    report_type   text        NOT NULL,
    report        jsonb       NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX table_metrics_report_by_table ON table_metrics_report (warehouse_id, tabular_id, received_at);
