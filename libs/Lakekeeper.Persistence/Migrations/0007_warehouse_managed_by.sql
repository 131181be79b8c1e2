-- Lakekeeper's managed-by marker: which control plane alone may change a warehouse's spec.
-- 'self-managed' (every existing warehouse): the usual grants decide. 'instance-admin': storage,
-- credential, delete profile, name, status, protection, format version policy and deletion are
-- changed by instance administrators only (checked by the management API, docs/management.md).
ALTER TABLE warehouse
    ADD COLUMN managed_by text NOT NULL DEFAULT 'self-managed'
        CHECK (managed_by IN ('self-managed', 'instance-admin'));
