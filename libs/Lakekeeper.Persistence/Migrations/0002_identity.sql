-- Identity: users (server-wide), roles (per project) and role membership; the server's admins.
-- Fuzzy search of users and roles uses trigram similarity (pg_trgm, a trusted extension).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- A user id is '<provider-id>~<subject>', e.g. 'oidc~3f1c…' or 'kubernetes~<uid>'.
CREATE TABLE users (
    user_id            text PRIMARY KEY CHECK (length(user_id) BETWEEN 3 AND 512 AND position('~' IN user_id) > 1),
    name               text        NOT NULL CHECK (length(name) <= 512),
    email              text        CHECK (length(email) <= 512),
    user_type          text        NOT NULL CHECK (user_type IN ('human', 'application')),
    last_updated_with  text        NOT NULL CHECK (last_updated_with IN ('create-endpoint', 'config-call-creation', 'update-endpoint', 'role-provider')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz
);
CREATE INDEX users_search ON users USING gin ((lower(name) || ' ' || lower(coalesce(email, '')) || ' ' || lower(user_id)) gin_trgm_ops);

-- A role belongs to one project. ident = '<provider-id>~<source-id>' is unique per project: roles
-- made here have provider 'lakekeeper' and a fresh UUID as source id; roles named by an identity
-- provider's roles claim have that provider's id and the claim value.
CREATE TABLE role (
    role_id      uuid PRIMARY KEY,
    project_id   uuid        NOT NULL REFERENCES project (project_id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 128),
    name_key     text        NOT NULL,
    description  text        CHECK (length(description) <= 4096),
    provider_id  text        NOT NULL CHECK (length(provider_id) BETWEEN 1 AND 128 AND position('~' IN provider_id) = 0),
    source_id    text        NOT NULL CHECK (length(source_id) BETWEEN 1 AND 512),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz,
    UNIQUE (project_id, name_key),
    UNIQUE (project_id, provider_id, source_id)
);
CREATE INDEX role_search ON role USING gin ((name_key || ' ' || lower(provider_id || '~' || source_id)) gin_trgm_ops);

-- Direct members of a role: users, and other roles of the same project (nesting). Membership is
-- acyclic and its depth bounded; the application checks both under a per-project advisory lock.
-- from_token: made by the roles claim of the user's token (re-synced when the claim changes);
-- an assignment made through the API is never removed by a token.
CREATE TABLE role_member_user (
    role_id     uuid        NOT NULL REFERENCES role (role_id) ON DELETE CASCADE,
    user_id     text        NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    from_token  boolean     NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_id, user_id)
);
CREATE INDEX role_member_user_by_user ON role_member_user (user_id, role_id);

CREATE TABLE role_member_role (
    role_id         uuid        NOT NULL REFERENCES role (role_id) ON DELETE CASCADE,
    member_role_id  uuid        NOT NULL REFERENCES role (role_id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (role_id, member_role_id),
    CHECK (role_id <> member_role_id)
);
CREATE INDEX role_member_role_by_member ON role_member_role (member_role_id, role_id);

-- Who bootstrapped the server (admin, or operator with is-operator). Kept when the user is deleted:
-- it is a record of the bootstrap, not a permission the authorizer reads.
ALTER TABLE server ADD COLUMN bootstrapped_by text;
ALTER TABLE server ADD COLUMN bootstrapped_as text CHECK (bootstrapped_as IN ('admin', 'operator'));
