-- Authorization: the stores, model versions and relationship tuples of the builtin engine and of the
-- OpenFGA-compatible API (services/authz). One store holds one tenant of tuples; the builtin backend
-- uses the store named by LAKEKEEPER__OPENFGA__STORE_NAME (default 'lakekeeper').

CREATE TABLE authz_store (
    store_id    text PRIMARY KEY CHECK (store_id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
    -- Bumped by every tuple write or delete (one per write call); caches compare it with theirs.
    revision    bigint      NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    deleted_at  timestamptz
);
CREATE INDEX authz_store_by_name ON authz_store (name, store_id) WHERE deleted_at IS NULL;

-- Model versions are immutable; ids are ULIDs, so the latest model is the greatest id.
CREATE TABLE authz_model (
    store_id        text        NOT NULL REFERENCES authz_store (store_id) ON DELETE CASCADE,
    model_id        text        NOT NULL CHECK (model_id ~ '^[0-7][0-9A-HJKMNP-TV-Z]{25}$'),
    schema_version  text        NOT NULL,
    model           jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, model_id)
);

-- A tuple object_type:object_id#relation@user_type:user_id[#user_relation]; user_relation is ''
-- unless the user is a userset. user_id '*' is the wildcard of user_type.
CREATE TABLE authz_tuple (
    store_id       text        NOT NULL REFERENCES authz_store (store_id) ON DELETE CASCADE,
    object_type    text        NOT NULL,
    object_id      text        NOT NULL,
    relation       text        NOT NULL,
    user_type      text        NOT NULL,
    user_id        text        NOT NULL,
    user_relation  text        NOT NULL DEFAULT '',
    inserted_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, object_type, object_id, relation, user_type, user_id, user_relation)
);
-- list-objects and "every tuple naming this user": from the user side.
CREATE INDEX authz_tuple_by_user ON authz_tuple (store_id, user_type, user_id, user_relation, object_type, relation);

-- Every applied write and delete in order: revision (of the store) and position within it. Caches of
-- other replicas read what came after their revision; rows older than a day are pruned, and a cache
-- further behind than the oldest row reloads the store.
CREATE TABLE authz_tuple_change (
    store_id       text        NOT NULL REFERENCES authz_store (store_id) ON DELETE CASCADE,
    revision       bigint      NOT NULL,
    position       integer     NOT NULL,
    operation      text        NOT NULL CHECK (operation IN ('write', 'delete')),
    object_type    text        NOT NULL,
    object_id      text        NOT NULL,
    relation       text        NOT NULL,
    user_type      text        NOT NULL,
    user_id        text        NOT NULL,
    user_relation  text        NOT NULL,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (store_id, revision, position)
);
CREATE INDEX authz_tuple_change_by_time ON authz_tuple_change (changed_at);

-- Tuple changes that follow a change of the catalog or of management (ownership, hierarchy, cleanup),
-- written in the transaction of that change and delivered to the authorizer afterwards, in id order
-- and by one deliverer at a time; a row is deleted once delivered. Tuples are written
-- 'type:id#relation@type:id[#relation]'; purges name objects whose every tuple goes.
CREATE TABLE authz_outbox (
    outbox_id   bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    writes      jsonb       NOT NULL DEFAULT '[]',
    deletes     jsonb       NOT NULL DEFAULT '[]',
    purges      jsonb       NOT NULL DEFAULT '[]',
    created_at  timestamptz NOT NULL DEFAULT now(),
    attempts    integer     NOT NULL DEFAULT 0,
    last_error  text
);
