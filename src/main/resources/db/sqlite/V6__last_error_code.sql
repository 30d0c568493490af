-- The stable code of a job's last delivery error (ledger.FailureCode), beside last_error's text for people:
-- metrics and statistics read the code instead of parsing the text. Jobs that failed before this version keep
-- NULL here (their text alone says why). db/postgresql/V6 adds the same column.
ALTER TABLE jobs ADD COLUMN last_error_code TEXT CHECK (last_error_code IS NULL OR last_error IS NOT NULL);
