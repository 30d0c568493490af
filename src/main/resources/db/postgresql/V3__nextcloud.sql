-- What Nextcloud says about a delivered file (OC-FileId), and the progress of chunked uploads, so that a
-- restarted sidecar resumes a big upload from the chunks already on the host; as db/sqlite/V3.
ALTER TABLE jobs ADD COLUMN remote_file_id TEXT;

CREATE TABLE chunk_uploads (
    job_id      TEXT   PRIMARY KEY REFERENCES jobs (id),
    upload_id   TEXT   NOT NULL,
    chunk_size  BIGINT NOT NULL CONSTRAINT chunk_uploads_chunk_size_check CHECK (chunk_size > 0),
    chunks_done TEXT   NOT NULL DEFAULT '',
    started_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
