-- Management: the warehouse settings of Lakekeeper's management API, warehouse statistics over
-- time, endpoint statistics and the fuzzy search of tables and views.

-- Trigram similarity for search-tabular; btree_gist lets one GiST index hold the warehouse id next
-- to the trigrams, so a nearest-first search stays inside one warehouse. Both are trusted extensions
-- shipped with Postgres (Debian: in the postgresql package).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE warehouse
    ADD COLUMN protected boolean NOT NULL DEFAULT false,
    -- Iceberg table format versions tables may be created in or upgraded to.
    ADD COLUMN allowed_format_versions integer[] NOT NULL DEFAULT '{1,2,3}'
        CHECK (cardinality(allowed_format_versions) >= 1 AND allowed_format_versions <@ '{1,2,3}'),
    -- Applied when a create-table request names none; NULL: v2 if allowed, else the highest allowed.
    ADD COLUMN default_format_version integer
        CHECK (default_format_version IS NULL OR default_format_version = ANY (allowed_format_versions)),
    ADD CONSTRAINT warehouse_delete_profile_shape CHECK (
        delete_profile ->> 'type' = 'hard'
        OR (delete_profile ->> 'type' = 'soft' AND jsonb_typeof(delete_profile -> 'expiration-seconds') = 'number'));

-- Live table and view counts per warehouse, one row per hour in which they changed (the row's
-- timestamp is the end of that hour). Kept by the triggers below, so every writer counts; no
-- foreign key, because a warehouse's cascade deletes fire the trigger while the warehouse goes
-- (its rows are deleted with it by the application).
CREATE TABLE warehouse_statistics (
    warehouse_id      uuid        NOT NULL,
    "timestamp"       timestamptz NOT NULL,
    number_of_tables  bigint      NOT NULL,
    number_of_views   bigint      NOT NULL,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz,
    PRIMARY KEY (warehouse_id, "timestamp")
);

-- Adds table and view deltas to a warehouse's row of the current hour, creating it from the
-- previous row when it is the hour's first change.
CREATE FUNCTION warehouse_statistics_add(wid uuid, d_tables bigint, d_views bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    bucket timestamptz := date_trunc('hour', now()) + interval '1 hour';
BEGIN
    IF d_tables = 0 AND d_views = 0 THEN
        RETURN;
    END IF;

    INSERT INTO warehouse_statistics AS s (warehouse_id, "timestamp", number_of_tables, number_of_views)
    SELECT wid, bucket, coalesce(p.number_of_tables, 0) + d_tables, coalesce(p.number_of_views, 0) + d_views
    FROM (SELECT 1) one
    LEFT JOIN LATERAL (
        SELECT number_of_tables, number_of_views FROM warehouse_statistics
        WHERE warehouse_id = wid AND "timestamp" < bucket ORDER BY "timestamp" DESC LIMIT 1) p ON true
    ON CONFLICT (warehouse_id, "timestamp") DO UPDATE SET
        number_of_tables = s.number_of_tables + d_tables,
        number_of_views = s.number_of_views + d_views,
        updated_at = now();
END $$;

-- Inserts and deletes are counted once per statement and warehouse (transition tables), so a bulk
-- statement (a forced delete of a warehouse with 100,000 tables) updates one row, not one per table.
CREATE FUNCTION warehouse_statistics_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT warehouse_id, count(*) FILTER (WHERE typ = 'table') AS tables, count(*) FILTER (WHERE typ = 'view') AS views
             FROM inserted WHERE deleted_at IS NULL GROUP BY warehouse_id LOOP
        PERFORM warehouse_statistics_add(c.warehouse_id, c.tables, c.views);
    END LOOP;
    RETURN NULL;
END $$;

CREATE FUNCTION warehouse_statistics_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    c record;
BEGIN
    FOR c IN SELECT warehouse_id, count(*) FILTER (WHERE typ = 'table') AS tables, count(*) FILTER (WHERE typ = 'view') AS views
             FROM deleted WHERE deleted_at IS NULL GROUP BY warehouse_id LOOP
        PERFORM warehouse_statistics_add(c.warehouse_id, -c.tables, -c.views);
    END LOOP;
    RETURN NULL;
END $$;

-- Soft deletes and undrops change deleted_at of one row at a time.
CREATE FUNCTION warehouse_statistics_soft_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    delta bigint := CASE WHEN NEW.deleted_at IS NULL THEN 1 ELSE -1 END;
BEGIN
    IF (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) THEN
        PERFORM warehouse_statistics_add(NEW.warehouse_id,
            CASE WHEN NEW.typ = 'table' THEN delta ELSE 0 END, CASE WHEN NEW.typ = 'view' THEN delta ELSE 0 END);
    END IF;

    RETURN NULL;
END $$;

CREATE TRIGGER tabular_statistics_insert AFTER INSERT ON tabular
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION warehouse_statistics_inserted();
CREATE TRIGGER tabular_statistics_delete AFTER DELETE ON tabular
    REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION warehouse_statistics_deleted();
CREATE TRIGGER tabular_statistics_soft_delete AFTER UPDATE OF deleted_at ON tabular
    FOR EACH ROW EXECUTE FUNCTION warehouse_statistics_soft_deleted();

-- Requests per project, warehouse (NULL: not associated with one), route template and status, in
-- hourly buckets ("timestamp" is the end of the hour). Written by the services' flushers.
CREATE TABLE endpoint_statistics (
    project_id    uuid        NOT NULL,
    warehouse_id  uuid,
    http_route    text        NOT NULL,
    status_code   integer     NOT NULL,
    "timestamp"   timestamptz NOT NULL,
    count         bigint      NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz,
    CONSTRAINT endpoint_statistics_key UNIQUE NULLS NOT DISTINCT (project_id, warehouse_id, http_route, status_code, "timestamp")
);
CREATE INDEX endpoint_statistics_window ON endpoint_statistics (project_id, "timestamp");

-- "namespace.level.name" of every table and view, for search-tabular. Kept by triggers: a table's
-- own name or namespace changes, or a namespace is renamed or moved.
ALTER TABLE tabular ADD COLUMN search_name text;

CREATE FUNCTION tabular_search_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.search_name := (SELECT array_to_string(n.name, '.') FROM namespace n WHERE n.namespace_id = NEW.namespace_id) || '.' || NEW.name;
    RETURN NEW;
END $$;

CREATE TRIGGER tabular_search_name
    BEFORE INSERT OR UPDATE OF name, namespace_id ON tabular
    FOR EACH ROW EXECUTE FUNCTION tabular_search_name();

CREATE FUNCTION namespace_search_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tabular SET search_name = array_to_string(NEW.name, '.') || '.' || name WHERE namespace_id = NEW.namespace_id;
    RETURN NULL;
END $$;

CREATE TRIGGER namespace_search_names
    AFTER UPDATE OF name ON namespace
    FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION namespace_search_names();

UPDATE tabular t SET search_name = array_to_string(n.name, '.') || '.' || t.name FROM namespace n WHERE n.namespace_id = t.namespace_id;

INSERT INTO warehouse_statistics (warehouse_id, "timestamp", number_of_tables, number_of_views)
SELECT w.warehouse_id, date_trunc('hour', now()) + interval '1 hour',
       count(t.tabular_id) FILTER (WHERE t.typ = 'table'), count(t.tabular_id) FILTER (WHERE t.typ = 'view')
FROM warehouse w LEFT JOIN tabular t ON t.warehouse_id = w.warehouse_id AND t.deleted_at IS NULL
GROUP BY w.warehouse_id;

-- Signatures of 256 bytes instead of 12: names share many trigrams, and short signatures make the
-- nearest-first scan visit far more of the index (measured: 2 to 3 times slower over 100,000 tables).
CREATE INDEX tabular_search ON tabular USING gist (warehouse_id, search_name gist_trgm_ops(siglen = 256)) WHERE deleted_at IS NULL;
