-- resumable_uploads.protocol records the IETF interop version the upload was created with ('ietf-3' to
-- 'ietf-8'), as SQLite's V5 does. PostgreSQL changes the named CHECK in place; rows written before keep
-- their value ('ietf-6' still reads as version 6).
ALTER TABLE resumable_uploads DROP CONSTRAINT resumable_uploads_protocol_check;
ALTER TABLE resumable_uploads ADD CONSTRAINT resumable_uploads_protocol_check
    CHECK (protocol IN ('ietf-3', 'ietf-4', 'ietf-5', 'ietf-6', 'ietf-7', 'ietf-8', 'tus'));
