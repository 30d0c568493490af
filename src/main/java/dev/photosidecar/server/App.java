package dev.photosidecar.server;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.DataDirLock;
import dev.photosidecar.config.SpoolDirLock;
import dev.photosidecar.config.ExAppLink;
import dev.photosidecar.config.SecretFiles;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.Units;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.DeliveryWorkers;
import dev.photosidecar.http.resumable.ResumableExpiry;
import dev.photosidecar.http.resumable.ResumableUploads;
import dev.photosidecar.http.routes.HttpApi;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.spool.Spool;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running sidecar: takes the data folder's lock, refuses a start that would lose data, has {@link Wiring} build
 * the parts, runs {@link StartupRecovery}, starts the parts, and takes it all down gracefully.
 */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final SidecarConfig config;
    private final DataDirLock lock;
    private final SpoolDirLock spoolLock;
    private final Ledger store;
    private final Wiring parts;
    private final ResumableExpiry resumableExpiry;
    private boolean closed;

    private App(SidecarConfig config, DataDirLock lock, SpoolDirLock spoolLock, Ledger store, Wiring parts,
                ResumableExpiry resumableExpiry) {
        this.spoolLock = spoolLock;
        this.config = config;
        this.lock = lock;
        this.store = store;
        this.parts = parts;
        this.resumableExpiry = resumableExpiry;
    }

    /**
     * What the operator explicitly accepts at this start ({@code serve --accept-empty-ledger},
     * {@code --accept-new-secret-key}); without it, start-up refuses what would lose data.
     *
     * @param emptyLedger  start with an empty ledger although the spool holds uploads (they go to quarantine)
     * @param newSecretKey make a new secret key although passwords are sealed with a missing one
     */
    public record Accept(boolean emptyLedger, boolean newSecretKey) {
        public static final Accept NOTHING = new Accept(false, false);
    }

    public static App start(SidecarConfig config, Clock clock) {
        return start(config, clock, Accept.NOTHING);
    }

    public static App start(SidecarConfig config, Clock clock, Accept accept) {
        return start(config, clock, accept, () -> true);
    }

    /**
     * As {@link #start(SidecarConfig, Clock, Accept)}, with deliveries also held while {@code deliveryGate} says no:
     * the hook an embedding process (the tests) uses to hold the dispatcher or to make it meet an Error.
     */
    public static App start(SidecarConfig config, Clock clock, Accept accept, BooleanSupplier deliveryGate) {
        DataDirLock lock = DataDirLock.acquire(config.dataDir());
        SpoolDirLock spoolLock;
        try {
            // Before anything reads the spool: a spool another ledger's sidecar uses is refused, not swept.
            spoolLock = SpoolDirLock.acquire(config.spoolDir(), Ledgers.isShared(config));
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
        Ledger store = null;
        Wiring parts = null;
        try {
            SecretFiles.requirePrivate(config);
            // Checked before the ledger is opened, which would create an empty one.
            Optional<DataGap> missingLedger = LedgerGap.ifMissing(config);
            refuseUnlessAccepted(missingLedger, accept.emptyLedger());
            store = Ledgers.openForServer(config, clock, config.workers() + 4);
            refuseDataLoss(store, config, accept, missingLedger.isPresent());
            parts = new Wiring(config, store, spoolLock, clock, deliveryGate);
            parts.recovery.run();
            spoolLock.share();
            parts.api.start();
            ResumableExpiry expiry = new ResumableExpiry(parts.resumable);
            parts.workers.start();

            App app = new App(config, lock, spoolLock, store, parts, expiry);
            app.announce(parts.target, parts.spool, parts.exApp);
            return app;
        } catch (RuntimeException e) {
            if (parts != null) {
                parts.spool.close();
            }
            if (store != null) {
                store.close();
            }
            spoolLock.close();
            lock.close();
            throw e;
        }
    }

    /**
     * Stops the start (one line, with the fix) where going on would lose data, unless the operator accepted it:
     * an empty ledger beside a spool that holds uploads, or a missing key beside sealed passwords.
     */
    private static void refuseDataLoss(Ledger store, SidecarConfig config, Accept accept, boolean ledgerWasMissing) {
        Optional<DataGap> emptyLedger = ledgerWasMissing ? Optional.empty()
                : LedgerGap.ifEmpty(store, config);
        refuseUnlessAccepted(emptyLedger, accept.emptyLedger());
        if (ledgerWasMissing || emptyLedger.isPresent()) {
            log.warn("Starting with an empty ledger beside a spool that holds uploads, as {} asked; those files go to"
                    + " quarantine (see below)", LedgerGap.ACCEPT_FLAG);
        }
        List<String> stranded = SecretKeyGap.strandedUsers(store, config.secretKey(), config.dataDir());
        refuseUnlessAccepted(SecretKeyGap.problem(store, config.secretKey(), config.dataDir()), accept.newSecretKey());
        if (!stranded.isEmpty()) {
            log.warn("Making a new secret key, as {} asked: the stored passwords of {} cannot be opened any more; their"
                    + " deliveries wait until photo-sidecar user set-password stores them again", SecretKeyGap.ACCEPT_FLAG, stranded);
        }
    }

    private static void refuseUnlessAccepted(Optional<DataGap> gap, boolean accepted) {
        if (gap.isPresent() && !accepted) {
            throw ConfigException.unusable(gap.get().line());
        }
    }

    private void announce(DeliveryTarget target, Spool spool, ExAppLink exApp) {
        exApp.identity().ifPresent(id -> log.info("Running as the Nextcloud ExApp {} {} ({}); deliveries act for each user through AppAPI",
                id.appId(), id.version(), exApp.enabled() ? "enabled" : "disabled until Nextcloud enables it"));
        log.info("Photo Upload Sidecar listening on {} (bind {})", config.displayUrl(port()), config.bind());
        config.tls().ifPresent(t -> log.info("HTTPS with the certificate {} ({})", t.certFile(), t.describe()));
        log.info("Data folder {} (spool {} free, {} reserved; uploads up to {})", config.dataDir(),
                Units.formatBytes(spool.usableBytes()), Units.formatBytes(config.spoolReserveBytes()),
                Units.formatBytes(config.maxUploadBytes()));
        config.database().ifPresent(db -> log.info("Ledger on {}, shared with every sidecar that uses it",
                Ledgers.where(config)));
        log.info("Target: {} ({}), path template {}", target.name(), target.health().detail(), config.pathTemplate());
        if (parts.devices.countActive() == 0) {
            log.warn("No device is enrolled yet. Add one with: photo-sidecar device add --user USER --name NAME");
        }
    }

    public int port() {
        return parts.api.port();
    }

    public JobLedger ledger() {
        return parts.ledger;
    }

    /** The HTTP API (tests compare its routes with the documentation). */
    public HttpApi api() {
        return parts.api;
    }

    /** The delivery workers (tests look at the host breaker through it). */
    public DeliveryWorkers workers() {
        return parts.workers;
    }

    /** Resumable uploads (tests run their expiry after moving the clock). */
    public ResumableUploads resumable() {
        return parts.resumable;
    }

    public DeviceRegistry devices() {
        return parts.devices;
    }

    /**
     * Graceful stop: new uploads get 503 with Retry-After, running uploads get the grace period to finish,
     * jobs in delivery are handed back without spending an attempt, then the server stops.
     */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        log.info("Stopping: refusing new uploads, giving running ones up to {}s", config.shutdownGrace().toSeconds());
        try {
            if (!parts.api.drainUploads(config.shutdownGrace())) {
                log.warn("Some uploads were still running after the grace period; they are cut off and leave nothing behind");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        parts.workers.close();
        resumableExpiry.close();
        parts.api.stop();
        DeliveryTarget target = parts.target;
        if (target instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("Closing the {} target failed: {}", target.name(), e.getMessage());
            }
        }
        parts.spool.close();
        store.close();
        spoolLock.close();
        lock.close();
        log.info("Stopped");
    }
}
