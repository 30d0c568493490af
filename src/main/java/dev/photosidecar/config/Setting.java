package dev.photosidecar.config;

import java.util.Locale;
import java.util.Optional;

/**
 * Every configuration key the sidecar understands, with its environment name, its YAML name and
 * its embedded default. The environment name is {@code SIDECAR_} plus the upper-cased YAML name.
 */
public enum Setting {
    PORT("port", "8420", "listen port (0 picks a free one)"),
    BIND("bind", "0.0.0.0", "listen address"),
    PUBLIC_URL("public_url", null, "the sidecar's URL as phones reach it (default: from bind and port)"),
    DATA_DIR("data_dir", "./data", "ledger, spool, secrets and the local target's library/"),
    SPOOL_DIR("spool_dir", null, "where received bodies wait for delivery; several sidecars on one PostgreSQL ledger may"
            + " share it (default: spool/ in data_dir)"),
    TARGET("target", "local", "where uploads are delivered: local or webdav"),
    WEBDAV_URL("webdav_url", null, "the WebDAV base URL; may contain {user}"),
    WEBDAV_USER("webdav_user", null, "one WebDAV account for all users (optional)"),
    WEBDAV_PASSWORD("webdav_password", null, "that account's password"),
    WEBDAV_CONNECT_TIMEOUT("webdav_connect_timeout", "10s", "how long to wait for a connection to the host"),
    WEBDAV_TIMEOUT("webdav_timeout", "60s", "how long the host may stay silent during a request"),
    WEBDAV_DEADLINE("webdav_deadline", "5m", "the longest a delivery attempt or any other exchange with the host may take,"
            + " plus its file's length at webdav_min_rate"),
    WEBDAV_MIN_RATE("webdav_min_rate", "64KiB", "the slowest transfer (bytes per second) a file's deadline allows for"),
    CHUNK_THRESHOLD("chunk_threshold", "64MiB", "Nextcloud: files larger than this go up in chunks"),
    CHUNK_SIZE("chunk_size", "16MiB", "Nextcloud: the size of one chunk (5 MiB at least)"),
    DATABASE_URL("database_url", null, "PostgreSQL for the ledger, shared by several sidecars (default: the embedded"
            + " SQLite ledger.db in data_dir)"),
    DATABASE_USER("database_user", null, "the PostgreSQL user (wins over the URL's)"),
    DATABASE_PASSWORD("database_password", null, "that user's password (wins over the URL's)"),
    SECRET_KEY("secret_key", null, "key for credentials at rest (else a 0600 file in the data folder)"),
    PATH_TEMPLATE("path_template", "Photos/{yyyy}/{MM}/{filename}", "where a file goes under the user's root"),
    TIME_ZONE("time_zone", null, "zone for the {yyyy} {MM} {dd} tokens (default: the system's)"),
    WORKERS("workers", "4", "delivery workers"),
    MAX_UPLOAD_BYTES("max_upload_bytes", "16GiB", "largest accepted upload"),
    SPOOL_RESERVE_BYTES("spool_reserve_bytes", "1GiB", "free space the spool never uses"),
    MAX_CONCURRENT_UPLOADS("max_concurrent_uploads", "64", "uploads received at once before 503 OVERLOADED"),
    MAX_UPLOADS_PER_DEVICE("max_uploads_per_device", "16", "uploads one device may run at once before 429 TOO_MANY_UPLOADS"),
    DEVICE_REQUEST_RATE("device_request_rate", "100", "requests per second one device may keep up before 429 RATE_LIMITED"),
    DEVICE_REQUEST_BURST("device_request_burst", "3000", "requests one device may send in a burst before the rate applies"),
    MAX_BYTES_IN_FLIGHT_PER_DEVICE("max_bytes_in_flight_per_device", null,
            "body bytes one device's running uploads may announce before 429 TOO_MANY_BYTES_IN_FLIGHT"
                    + " (default: twice max_upload_bytes)"),
    MAX_UNFINISHED_UPLOADS_PER_DEVICE("max_unfinished_uploads_per_device", "100",
            "unfinished resumable uploads one device may keep before 429 TOO_MANY_UNFINISHED_UPLOADS"),
    IDLE_TIMEOUT("idle_timeout", "60s", "how long a connection may stay silent (mid-body, or between requests)"),
    HEADER_TIMEOUT("header_timeout", "30s", "how long a request's headers may take to arrive (slow-loris guard)"),
    MAX_HEADER_BYTES("max_header_bytes", "16KiB", "largest request line plus headers (431 HEADERS_TOO_LARGE above)"),
    MAX_ATTEMPTS("max_attempts", "12", "delivery attempts before a job fails"),
    RETRY_INITIAL_DELAY("retry_initial_delay", "15s", "backoff after the first failed attempt"),
    RETRY_MAX_DELAY("retry_max_delay", "2h", "longest backoff between attempts"),
    LEASE_DURATION("lease_duration", "5m", "how long a worker holds a job before it is presumed dead"),
    SHUTDOWN_GRACE("shutdown_grace", "30s", "how long running uploads may finish after SIGTERM"),
    ADMIN_TOKEN("admin_token", null, "token for admin calls"),
    RESUMABLE("resumable", "on", "on: speak the resumable-upload protocols (IETF draft with its 104, tus); off: plain uploads only"),
    RESUMABLE_EXPIRY("resumable_expiry", "24h", "how long an unfinished resumable upload is kept after its client was last seen"),
    TLS_CERT("tls_cert", null, "PEM certificate chain: serve HTTPS directly (with tls_key)"),
    TLS_KEY("tls_key", null, "PEM private key (PKCS#8 RSA or EC, or PKCS#1 RSA) of tls_cert");

    private final String yamlName;
    private final String defaultValue;
    private final String description;

    Setting(String yamlName, String defaultValue, String description) {
        this.yamlName = yamlName;
        this.defaultValue = defaultValue;
        this.description = description;
    }

    public String yamlName() {
        return yamlName;
    }

    public String envName() {
        return "SIDECAR_" + yamlName.toUpperCase(Locale.ROOT);
    }

    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    public String description() {
        return description;
    }

    static Optional<Setting> byYamlName(String name) {
        for (Setting s : values()) {
            if (s.yamlName.equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    static Optional<Setting> byEnvName(String name) {
        for (Setting s : values()) {
            if (s.envName().equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
