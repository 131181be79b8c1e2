-- Lifecycle: protection of namespaces, tables and views; soft deletion and undrop; the task engine
-- behind them (task queues with per-warehouse and per-project configuration, stop and cancel
-- requests, a task log that keeps what the task was, and project-level tasks).

-- A protected namespace, table or view refuses to be dropped unless the drop says force=true.
ALTER TABLE namespace ADD COLUMN protected boolean NOT NULL DEFAULT false;
ALTER TABLE tabular ADD COLUMN protected boolean NOT NULL DEFAULT false;

-- Soft-deleted tables and views of a warehouse, oldest drop first (the deleted-tabulars listing).
-- A soft-deleted row keeps its name (the unique key includes it) and its location reserved.
CREATE INDEX tabular_deleted ON tabular (warehouse_id, deleted_at, tabular_id) WHERE deleted_at IS NOT NULL;

-- Tasks belong to a project; warehouse tasks to the warehouse's project as well, project tasks
-- (task_log_cleanup) to no warehouse.
ALTER TABLE task
    ADD COLUMN project_id        uuid REFERENCES project (project_id) ON DELETE CASCADE,
    -- What the task works on, for listing and filtering: a table or view and its name when dropped.
    ADD COLUMN entity_type       text CHECK (entity_type IN ('table', 'view')),
    ADD COLUMN entity_name       text[],
    ADD COLUMN picked_up_at      timestamptz,
    ADD COLUMN updated_at        timestamptz,
    ADD COLUMN progress          real        NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
    ADD COLUMN execution_details jsonb,
    ADD COLUMN parent_task_id    uuid,
    -- Set by task/control on a running task: its worker stops at its next heartbeat, and the task
    -- is retried later ('stop') or finishes as cancelled ('cancel').
    ADD COLUMN stop_requested    text CHECK (stop_requested IN ('stop', 'cancel'));
ALTER TABLE task DROP CONSTRAINT task_status_check;
ALTER TABLE task ADD CONSTRAINT task_status_check CHECK (status IN ('scheduled', 'running', 'stopping'));
UPDATE task t SET project_id = w.project_id FROM warehouse w WHERE w.warehouse_id = t.warehouse_id;
CREATE INDEX task_by_warehouse ON task (warehouse_id, created_at, task_id);
CREATE INDEX task_by_project ON task (project_id, created_at, task_id);
CREATE INDEX task_running ON task (queue, warehouse_id) WHERE status IN ('running', 'stopping');
-- One pending expiration per dropped table or view; one scheduled log cleanup per project (a
-- running one schedules its successor before it finishes).
CREATE UNIQUE INDEX task_soft_deletion_entity ON task (entity_id) WHERE queue = 'soft_deletion';
CREATE UNIQUE INDEX task_log_cleanup_project ON task (project_id) WHERE queue = 'task_log_cleanup' AND status = 'scheduled';

-- Every attempt's outcome, with what the task was, so that finished tasks can still be listed and
-- inspected after their task row is gone.
ALTER TABLE task_log
    ADD COLUMN project_id        uuid,
    ADD COLUMN entity_type       text,
    ADD COLUMN entity_name       text[],
    ADD COLUMN payload           jsonb,
    ADD COLUMN scheduled_for     timestamptz,
    ADD COLUMN started_at        timestamptz,
    ADD COLUMN task_created_at   timestamptz,
    ADD COLUMN progress          real NOT NULL DEFAULT 0,
    ADD COLUMN execution_details jsonb,
    ADD COLUMN parent_task_id    uuid;
UPDATE task_log l SET project_id = w.project_id FROM warehouse w WHERE w.warehouse_id = l.warehouse_id;
UPDATE task_log SET task_created_at = finished_at WHERE task_created_at IS NULL;
CREATE INDEX task_log_final_by_warehouse ON task_log (warehouse_id, task_created_at, task_id)
    WHERE outcome IN ('success', 'failed', 'cancelled');
CREATE INDEX task_log_final_by_project ON task_log (project_id, task_created_at, task_id)
    WHERE outcome IN ('success', 'failed', 'cancelled');
CREATE INDEX task_log_finished ON task_log (project_id, finished_at);

-- Queue settings per warehouse (soft_deletion, tabular_purge) or per project (task_log_cleanup):
-- the queue-config object as the management API takes it, and the heartbeat timeout.
CREATE TABLE task_config (
    queue                            text        NOT NULL,
    warehouse_id                     uuid        REFERENCES warehouse (warehouse_id) ON DELETE CASCADE,
    project_id                       uuid        REFERENCES project (project_id) ON DELETE CASCADE,
    config                           jsonb       NOT NULL DEFAULT '{}',
    max_seconds_since_last_heartbeat bigint      CHECK (max_seconds_since_last_heartbeat > 0),
    updated_at                       timestamptz NOT NULL DEFAULT now(),
    CHECK ((warehouse_id IS NULL) <> (project_id IS NULL)),
    CONSTRAINT task_config_key UNIQUE NULLS NOT DISTINCT (queue, warehouse_id, project_id)
);

-- A warehouse task belongs to the warehouse's project; writers may leave project_id out.
CREATE FUNCTION task_project() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.project_id := (SELECT project_id FROM warehouse WHERE warehouse_id = NEW.warehouse_id);
    RETURN NEW;
END $$;

CREATE TRIGGER task_project
    BEFORE INSERT ON task
    FOR EACH ROW WHEN (NEW.project_id IS NULL AND NEW.warehouse_id IS NOT NULL) EXECUTE FUNCTION task_project();

-- Every project has its task_log_cleanup task from the moment it exists, first due a day later (a
-- new project has no log to clean); the workers' maintenance step re-creates one that went missing,
-- e.g. after a cancel through task/control.
CREATE FUNCTION project_log_cleanup() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO task (task_id, queue, project_id, payload, scheduled_for)
    VALUES (gen_random_uuid(), 'task_log_cleanup', NEW.project_id, '{}', now() + interval '1 day')
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER project_log_cleanup AFTER INSERT ON project FOR EACH ROW EXECUTE FUNCTION project_log_cleanup();

INSERT INTO task (task_id, queue, project_id, payload, scheduled_for)
SELECT gen_random_uuid(), 'task_log_cleanup', p.project_id, '{}', now() + interval '1 day' FROM project p
ON CONFLICT DO NOTHING;
