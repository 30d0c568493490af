package dev.photosidecar.config;

import dev.photosidecar.names.PathTemplate;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;

/**
 * The validated configuration of one sidecar. Built only by {@link ConfigLoader}, so every value
 * in here has already been checked.
 */
public record SidecarConfig(
        String bind,
        int port,
        Path dataDir,
        Path spoolDir,
        TargetKind target,
        PathTemplate pathTemplate,
        ZoneId timeZone,
        int workers,
        long maxUploadBytes,
        long spoolReserveBytes,
        int maxConcurrentUploads,
        int maxAttempts,
        Duration retryInitialDelay,
        Duration retryMaxDelay,
        Duration leaseDuration,
        Duration shutdownGrace,
        Optional<WebDavSettings> webdav,
        Optional<String> secretKey,
        Optional<String> publicUrl,
        Optional<String> adminToken,
        Duration resumableExpiry,
        Optional<TlsFiles> tls,
        ServerLimits serverLimits,
        boolean resumable,
        Optional<DatabaseSettings> database) {

    /** The embedded SQLite ledger's file; not used when {@link #database()} names a PostgreSQL server. */
    public Path ledgerFile() {
        return dataDir.resolve("ledger.db");
    }

    /** Where start-up moves spool files that no job knows; the sidecar never deletes anything there. */
    public Path quarantineDir() {
        return dataDir.resolve("quarantine");
    }

    public Path libraryDir() {
        return dataDir.resolve("library");
    }

    /** The URL people should use, with a wildcard bind shown as localhost. */
    public String displayUrl(int actualPort) {
        String host = bind.equals("0.0.0.0") || bind.equals("::") ? "localhost" : bind;
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return (tls.isPresent() ? "https://" : "http://") + host + ":" + actualPort;
    }

    @Override
    public String toString() {
        // Never print secrets: the admin token is shown only as set or not.
        return "SidecarConfig[bind=" + bind + ", port=" + port + ", dataDir=" + dataDir + ", spoolDir=" + spoolDir + ", target=" + target.wireName()
                + ", pathTemplate=" + pathTemplate + ", workers=" + workers + ", webdav=" + webdav + ", database=" + database
                + ", secretKey=" + (secretKey.isPresent() ? "(set)" : "(none)") + ", adminToken="
                + (adminToken.isPresent() ? "(set)" : "(none)") + "]";
    }
}
