-- Resumable uploads (IETF "Resumable Uploads for HTTP" and tus 1.0); as db/sqlite/V4.
--
-- 1. A job in 'receiving' has arrived only in part, so its SHA-256 is not known yet: sha256 becomes NULL
--    exactly while the job is receiving. PostgreSQL changes the column and its CHECK in place (SQLite had to
--    rebuild the table).
-- 2. resumable_uploads: one row per unfinished upload, with the metadata of the request that created it.
--    The bytes live in spool/partial/{id}; their size, not a counter, is the upload's offset.

ALTER TABLE jobs ALTER COLUMN sha256 DROP NOT NULL;
ALTER TABLE jobs DROP CONSTRAINT jobs_sha256_check;
ALTER TABLE jobs ADD CONSTRAINT jobs_sha256_check CHECK (sha256 IS NULL OR length(sha256) = 64);
ALTER TABLE jobs ADD CONSTRAINT jobs_receiving_has_no_sha256 CHECK ((state = 'receiving') = (sha256 IS NULL));

CREATE TABLE resumable_uploads (
    id              TEXT   PRIMARY KEY,
    -- 'ietf-6', 'ietf-3' or 'tus': which protocol's headers the upload answers with.
    protocol        TEXT   NOT NULL CONSTRAINT resumable_uploads_protocol_check
                        CHECK (protocol IN ('ietf-6', 'ietf-3', 'tus')),
    device_id       TEXT   NOT NULL REFERENCES devices (id),
    user_id         TEXT   NOT NULL REFERENCES users (id),
    upload_key      TEXT   NOT NULL,
    -- The job in 'receiving' this upload created (same id); NULL when the key already had a job, so that
    -- the finished upload is judged like a plain one (replay, conflict, or a failed job revived).
    job_id          TEXT   UNIQUE REFERENCES jobs (id),
    filename        TEXT   NOT NULL,
    resource_type   TEXT   NOT NULL,
    asset_id        TEXT,
    content_type    TEXT   NOT NULL,
    captured_at     BIGINT,
    upload_length   BIGINT CONSTRAINT resumable_uploads_upload_length_check
                        CHECK (upload_length IS NULL OR upload_length >= 0),
    expected_sha256 TEXT   CONSTRAINT resumable_uploads_expected_sha256_check
                        CHECK (expected_sha256 IS NULL OR length(expected_sha256) = 64),
    started_at      BIGINT NOT NULL,
    expires_at      BIGINT NOT NULL,
    CONSTRAINT resumable_uploads_job_is_own CHECK (job_id IS NULL OR job_id = id)
);

CREATE INDEX resumable_by_expiry ON resumable_uploads (expires_at);
CREATE INDEX resumable_by_key ON resumable_uploads (device_id, upload_key);
