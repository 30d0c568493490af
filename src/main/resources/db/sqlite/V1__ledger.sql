-- The job ledger: users, their devices, and one row per upload job.
-- Times are milliseconds since the epoch (UTC).

CREATE TABLE users (
    id          TEXT    PRIMARY KEY,
    created_at  INTEGER NOT NULL
);

CREATE TABLE devices (
    id          TEXT    PRIMARY KEY,
    user_id     TEXT    NOT NULL REFERENCES users (id),
    name        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE INDEX devices_by_user ON devices (user_id);

CREATE TABLE jobs (
    -- seq orders jobs by arrival (newest first in listings, cursor paging); id is the public name.
    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
    id               TEXT    NOT NULL UNIQUE,
    device_id        TEXT    NOT NULL REFERENCES devices (id),
    user_id          TEXT    NOT NULL REFERENCES users (id),
    upload_key       TEXT    NOT NULL,
    state            TEXT    NOT NULL CHECK (state IN
                         ('receiving', 'pending', 'delivering', 'succeeded', 'failed', 'acknowledged', 'cancelled')),
    filename         TEXT    NOT NULL,
    resource_type    TEXT    NOT NULL,
    asset_id         TEXT,
    content_type     TEXT    NOT NULL,
    size             INTEGER NOT NULL CHECK (size >= 0),
    sha256           TEXT    NOT NULL CHECK (length(sha256) = 64),
    created_at       INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at  INTEGER,
    lease_owner      TEXT,
    lease_expires_at INTEGER,
    last_error       TEXT,
    remote_path      TEXT,
    remote_etag      TEXT,
    delivered_at     INTEGER,
    finalized_at     INTEGER,
    UNIQUE (device_id, upload_key),
    -- The database guards the state machine's invariants itself.
    CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL)),
    CHECK ((state = 'delivering') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CHECK (state <> 'succeeded' OR (remote_path IS NOT NULL AND delivered_at IS NOT NULL)),
    CHECK ((state IN ('acknowledged', 'cancelled')) = (finalized_at IS NOT NULL))
);

-- Claiming the next due jobs: only pending rows, already in the claim's order (no sort step).
CREATE INDEX jobs_due ON jobs (next_attempt_at, seq) WHERE state = 'pending';
-- Finding leases that ran out.
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'delivering';
-- A device's jobs, newest first, optionally by state.
CREATE INDEX jobs_by_device ON jobs (device_id, seq);
CREATE INDEX jobs_by_device_state ON jobs (device_id, state, seq);
-- Operators' views and bulk retries by user and state. (No plain (state, seq) index: the planner
-- would prefer it over jobs_due for the claim and then sort.)
CREATE INDEX jobs_by_user_state ON jobs (user_id, state, seq);
