package dev.photosidecar.server;

import dev.photosidecar.config.DatabaseSettings;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.postgres.PostgresLedger;
import dev.photosidecar.ledger.postgres.PostgresUrl;
import dev.photosidecar.ledger.sqlite.SqliteLedger;
import java.time.Clock;

/**
 * The one place that picks the ledger's implementation from the configuration: PostgreSQL when
 * {@code SIDECAR_DATABASE_URL} is set ({@link SidecarConfig#database()}), else the embedded SQLite file in the data
 * folder. The server and the commands both open their ledger here.
 */
public final class Ledgers {
    /** Connections a command keeps to PostgreSQL: its calls come one at a time. */
    private static final int COMMAND_CONNECTIONS = 2;

    private Ledgers() {
    }

    /** For the server: pooled connections, {@code connections} at most; close the ledger when the server stops. */
    /**
     * Whether the ledger this configuration opens is one several sidecars share (PostgreSQL); known before it is opened,
     * so that the spool's lock can be taken first. The opened ledger's {@code shared()} must agree ({@link Wiring}).
     */
    public static boolean isShared(SidecarConfig config) {
        return config.database().isPresent();
    }

    public static Ledger openForServer(SidecarConfig config, Clock clock, int connections) {
        return config.database()
                .<Ledger>map(db -> PostgresLedger.open(url(db), clock, connections))
                .orElseGet(() -> SqliteLedger.openPooled(config.ledgerFile(), clock, connections));
    }

    /** For a command that makes a few calls and exits. */
    public static Ledger openForCommand(SidecarConfig config, Clock clock) {
        return config.database()
                .<Ledger>map(db -> PostgresLedger.open(url(db), clock, COMMAND_CONNECTIONS))
                .orElseGet(() -> SqliteLedger.open(config.ledgerFile(), clock));
    }

    /** Where the ledger is, for messages: the SQLite file, or the PostgreSQL URL without its password. */
    public static String where(SidecarConfig config) {
        return config.database().map(db -> {
            try {
                return "PostgreSQL " + url(db);
            } catch (RuntimeException unreadable) {
                return "PostgreSQL " + db.safeUrl();
            }
        }).orElse(config.ledgerFile().toString());
    }

    /** The URL checked whole; a bad one stops the start as any other bad setting does ({@code ConfigException}). */
    private static PostgresUrl url(DatabaseSettings db) {
        return PostgresUrl.parse(db.url(), db.user().orElse(null), db.password().orElse(null));
    }
}
