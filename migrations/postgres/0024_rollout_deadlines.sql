-- The MFA rollout's deadline (issue 17): by when an organization's people (scope = its id), or
-- everyone without a deadline of their organization's own (scope 0, set by a system
-- administrator), must have finished registering, and how many days before it the reminders go.
CREATE TABLE rollout_deadlines (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    scope         BIGINT NOT NULL UNIQUE,
    org_id        BIGINT REFERENCES organizations (id) ON DELETE CASCADE,
    deadline_at   BIGINT NOT NULL,
    reminder_days TEXT NOT NULL,
    set_by        TEXT NOT NULL,
    set_at        BIGINT NOT NULL
);

-- Each reminder of a deadline, once begun: the accounts are written to in id order and the
-- last one reached is kept, so a node that stops half-way is followed by one that goes on.
CREATE TABLE rollout_reminders (
    deadline_id     BIGINT NOT NULL REFERENCES rollout_deadlines (id) ON DELETE CASCADE,
    days_before     BIGINT NOT NULL,
    started_at      BIGINT NOT NULL,
    last_account_id BIGINT NOT NULL DEFAULT 0,
    letters         BIGINT NOT NULL DEFAULT 0,
    finished_at     BIGINT,
    PRIMARY KEY (deadline_id, days_before)
);
