-- Resumable uploads (IETF "Resumable Uploads for HTTP" and tus 1.0).
--
-- 1. A job in 'receiving' has arrived only in part, so its SHA-256 is not known yet: sha256 becomes NULL
--    exactly while the job is receiving. SQLite cannot change a CHECK in place, so the table is rebuilt
--    the SQLite way (new table, copy, drop, rename). chunk_uploads refers to jobs and foreign keys are
--    enforced, so its rows are set aside and the table is re-created after the swap; this keeps the
--    migration inside Flyway's transaction (PRAGMA foreign_keys cannot change within one).
-- 2. resumable_uploads: one row per unfinished upload, with the metadata of the request that created it.
--    The bytes live in spool/partial/{id}; their size, not a counter, is the upload's offset.

CREATE TABLE jobs_v4 (
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
    sha256           TEXT    CHECK (sha256 IS NULL OR length(sha256) = 64),
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
    remote_file_id   TEXT,
    UNIQUE (device_id, upload_key),
    CHECK ((state = 'receiving') = (sha256 IS NULL)),
    CHECK ((state = 'pending') = (next_attempt_at IS NOT NULL)),
    CHECK ((state = 'delivering') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CHECK (state <> 'succeeded' OR (remote_path IS NOT NULL AND delivered_at IS NOT NULL)),
    CHECK ((state IN ('acknowledged', 'cancelled')) = (finalized_at IS NOT NULL))
);

INSERT INTO jobs_v4 (seq, id, device_id, user_id, upload_key, state, filename, resource_type, asset_id, content_type,
                     size, sha256, created_at, received_at, attempts, next_attempt_at, lease_owner, lease_expires_at,
                     last_error, remote_path, remote_etag, delivered_at, finalized_at, remote_file_id)
SELECT seq, id, device_id, user_id, upload_key, state, filename, resource_type, asset_id, content_type,
       size, sha256, created_at, received_at, attempts, next_attempt_at, lease_owner, lease_expires_at,
       last_error, remote_path, remote_etag, delivered_at, finalized_at, remote_file_id
FROM jobs;

CREATE TABLE chunk_uploads_saved AS SELECT * FROM chunk_uploads;
DROP TABLE chunk_uploads;
DROP TABLE jobs;
ALTER TABLE jobs_v4 RENAME TO jobs;

CREATE TABLE chunk_uploads (
    job_id      TEXT    PRIMARY KEY REFERENCES jobs (id),
    upload_id   TEXT    NOT NULL,
    chunk_size  INTEGER NOT NULL CHECK (chunk_size > 0),
    chunks_done TEXT    NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
INSERT INTO chunk_uploads (job_id, upload_id, chunk_size, chunks_done, started_at, updated_at)
SELECT job_id, upload_id, chunk_size, chunks_done, started_at, updated_at FROM chunk_uploads_saved;
DROP TABLE chunk_uploads_saved;

CREATE INDEX jobs_due ON jobs (next_attempt_at, seq) WHERE state = 'pending';
CREATE INDEX jobs_leased ON jobs (lease_expires_at) WHERE state = 'delivering';
CREATE INDEX jobs_by_device ON jobs (device_id, seq);
CREATE INDEX jobs_by_device_state ON jobs (device_id, state, seq);
CREATE INDEX jobs_by_user_state ON jobs (user_id, state, seq);

CREATE TABLE resumable_uploads (
    id              TEXT    PRIMARY KEY,
    -- 'ietf-6', 'ietf-3' or 'tus': which protocol's headers the upload answers with.
    protocol        TEXT    NOT NULL CHECK (protocol IN ('ietf-6', 'ietf-3', 'tus')),
    device_id       TEXT    NOT NULL REFERENCES devices (id),
    user_id         TEXT    NOT NULL REFERENCES users (id),
    upload_key      TEXT    NOT NULL,
    -- The job in 'receiving' this upload created (same id); NULL when the key already had a job, so that
    -- the finished upload is judged like a plain one (replay, conflict, or a failed job revived).
    job_id          TEXT    UNIQUE REFERENCES jobs (id),
    filename        TEXT    NOT NULL,
    resource_type   TEXT    NOT NULL,
    asset_id        TEXT,
    content_type    TEXT    NOT NULL,
    captured_at     INTEGER,
    upload_length   INTEGER CHECK (upload_length IS NULL OR upload_length >= 0),
    expected_sha256 TEXT    CHECK (expected_sha256 IS NULL OR length(expected_sha256) = 64),
    started_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    CHECK (job_id IS NULL OR job_id = id)
);

CREATE INDEX resumable_by_expiry ON resumable_uploads (expires_at);
CREATE INDEX resumable_by_key ON resumable_uploads (device_id, upload_key);
