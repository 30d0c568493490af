-- What every process using this ledger must agree on, kept where all of them read it (db/postgresql/V7 in meaning):
--   shared_state: small named values, such as the secret key's fingerprint (so a replica with another key is refused
--   at start-up instead of failing to open the stored passwords) and whether Nextcloud has the ExApp enabled.
--   admin_sessions: the admin page's open sessions, by the SHA-256 of their id, so that a session opened through one
--   replica works on all of them and signing out ends it on all of them.
CREATE TABLE shared_state (
    name  TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE admin_sessions (
    id_hash    TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
) WITHOUT ROWID;
