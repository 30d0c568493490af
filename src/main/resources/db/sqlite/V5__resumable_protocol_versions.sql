-- resumable_uploads.protocol records the IETF interop version the upload was created with ('ietf-3' to
-- 'ietf-8'), not only its header family: V4's CHECK knew 'ietf-3' and 'ietf-6' alone, so versions 4, 5, 7
-- and 8 were stored as 'ietf-6'. Rows written before keep their value ('ietf-6' still reads as version 6).
-- SQLite cannot change a CHECK in place: the table is rebuilt (new table, copy, drop, rename). No table
-- refers to resumable_uploads, so the rebuild stays inside Flyway's transaction.

CREATE TABLE resumable_uploads_v5 (
    id              TEXT    PRIMARY KEY,
    -- 'ietf-3' … 'ietf-8' (the IETF draft's interop version) or 'tus': which protocol's headers the upload
    -- answers with when a request does not name its version.
    protocol        TEXT    NOT NULL CHECK (protocol IN ('ietf-3', 'ietf-4', 'ietf-5', 'ietf-6', 'ietf-7', 'ietf-8', 'tus')),
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

INSERT INTO resumable_uploads_v5 (id, protocol, device_id, user_id, upload_key, job_id, filename, resource_type, asset_id,
                                  content_type, captured_at, upload_length, expected_sha256, started_at, expires_at)
SELECT id, protocol, device_id, user_id, upload_key, job_id, filename, resource_type, asset_id,
       content_type, captured_at, upload_length, expected_sha256, started_at, expires_at
FROM resumable_uploads;

DROP TABLE resumable_uploads;
ALTER TABLE resumable_uploads_v5 RENAME TO resumable_uploads;

CREATE INDEX resumable_by_expiry ON resumable_uploads (expires_at);
CREATE INDEX resumable_by_key ON resumable_uploads (device_id, upload_key);
