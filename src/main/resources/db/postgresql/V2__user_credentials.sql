-- Per-user credentials for the delivery host, encrypted with AES-GCM (see SecretBox); as db/sqlite/V2.
-- The login may differ from the user id (Nextcloud login names, e-mail logins).
CREATE TABLE user_credentials (
    user_id     TEXT   PRIMARY KEY,
    login       TEXT   NOT NULL,
    secret      BYTEA  NOT NULL,
    updated_at  BIGINT NOT NULL
);
