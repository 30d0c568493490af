-- The stable code of a job's last delivery error (ledger.FailureCode), beside last_error's text for people:
-- metrics and statistics read the code instead of parsing the text. Jobs that failed before this version keep
-- NULL here (their text alone says why). SQLite's V6 in meaning.
ALTER TABLE jobs ADD COLUMN last_error_code TEXT
    CONSTRAINT jobs_last_error_code_with_text CHECK (last_error_code IS NULL OR last_error IS NOT NULL);
