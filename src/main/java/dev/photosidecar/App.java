package dev.photosidecar;

import dev.photosidecar.http.HttpApi;
import dev.photosidecar.http.AppApiAuth;
import dev.photosidecar.http.admin.AdminRoutes;
import dev.photosidecar.http.SidecarMetrics;
import dev.photosidecar.config.DataDirLock;
import dev.photosidecar.config.ExAppLink;
import dev.photosidecar.config.TargetKind;
import dev.photosidecar.delivery.target.webdav.AppApiStatus;
import dev.photosidecar.config.SecretBox;
import dev.photosidecar.config.SecretFiles;
import dev.photosidecar.delivery.target.webdav.NextcloudAccounts;
import dev.photosidecar.delivery.target.webdav.WebDavTarget;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.Units;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.DeliveryWorkers;
import dev.photosidecar.delivery.LocalFolderTarget;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.RetryPolicy;
import dev.photosidecar.http.resumable.ResumableExpiry;
import dev.photosidecar.http.resumable.ResumableUploads;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.spool.PartialStore;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.spool.SpoolSweep;
import dev.photosidecar.config.ConfigException;
import dev.photosidecar.ledger.DataGap;
import dev.photosidecar.ledger.LedgerGap;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.sqlite.SqliteLedger;
import dev.photosidecar.ledger.SecretKeyGap;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running sidecar: wires the ledger, the spool, the delivery workers and the HTTP API together,
 * recovers what a previous run left behind, and takes it all down gracefully.
 */
public final class App implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final SidecarConfig config;
    private final DataDirLock lock;
    private final JobLedger ledger;
    private final DeviceRegistry devices;
    private final DeliveryWorkers workers;
    private final HttpApi api;
    private final DeliveryTarget target;
    private final ResumableUploads resumable;
    private final ResumableExpiry resumableExpiry;
    private final Ledger store;
    private boolean closed;

    private App(SidecarConfig config, DataDirLock lock, JobLedger ledger, DeviceRegistry devices,
                DeliveryWorkers workers, HttpApi api, DeliveryTarget target, ResumableUploads resumable,
                ResumableExpiry resumableExpiry, Ledger store) {
        this.store = store;
        this.resumable = resumable;
        this.resumableExpiry = resumableExpiry;
        this.target = target;
        this.config = config;
        this.lock = lock;
        this.ledger = ledger;
        this.devices = devices;
        this.workers = workers;
        this.api = api;
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
        DataDirLock lock = DataDirLock.acquire(config.dataDir());
        Ledger store = null;
        try {
            SecretFiles.requirePrivate(config);
            // Checked before the ledger is opened, which would create an empty one.
            Optional<DataGap> missingLedger = LedgerGap.ifMissing(config);
            refuseUnlessAccepted(missingLedger, accept.emptyLedger());
            store = SqliteLedger.openPooled(config.ledgerFile(), clock, config.workers() + 4);
            refuseDataLoss(store, config, accept, missingLedger.isPresent());
            JobLedger ledger = store.jobs();
            DeviceRegistry devices = store.devices();
            String owner = "sidecar-" + Ids.jobId().substring(0, 12);

            int revived = ledger.returnLeasesAtStartUp(owner);
            if (revived > 0) {
                log.info("Recovered {} job(s) that were being delivered when the last run stopped", revived);
            }
            Spool spool = new Spool(config.spoolDir(), config.quarantineDir(), config.spoolReserveBytes(),
                    config.maxUploadBytes(), clock);
            ResumableLedger resumableLedger = store.resumable();
            recoverSpool(spool, ledger, resumableLedger);
            PartialStore partials = new PartialStore(spool);

            CredentialStore credentials = store.credentials(SecretBox.load(config.secretKey(), config.dataDir()));
            // With target nextcloud, `nextcloud register` may make this sidecar an ExApp while it runs.
            ExAppLink exApp = config.target() == TargetKind.NEXTCLOUD
                    ? ExAppLink.open(config.dataDir(), System.getenv()) : ExAppLink.none();
            DeliveryTarget target = switch (config.target()) {
                case LOCAL -> new LocalFolderTarget(config.libraryDir());
                case WEBDAV, NEXTCLOUD -> new WebDavTarget(config.webdav().orElseThrow(), credentials,
                        store.chunks(), config.workers(), clock, exApp::identity);
            };
            RetryPolicy retry = RetryPolicy.of(config.maxAttempts(), config.retryInitialDelay(), config.retryMaxDelay());
            DeliveryWorkers workers = new DeliveryWorkers(ledger, devices, spool, target, config.pathTemplate(),
                    config.timeZone(), retry, clock, config.workers(), config.leaseDuration(), owner, credentials::version);
            HttpApi.Enrollment enrollment = new HttpApi.Enrollment(
                    config.webdav().map(NextcloudAccounts::new),
                    () -> target instanceof WebDavTarget w && w.hostFacts().nextcloud(), credentials, clock);
            workers.onlyWhile(exApp::enabled);
            Optional<HttpApi.ExAppMode> exAppMode = config.target() != TargetKind.NEXTCLOUD ? Optional.empty()
                    : Optional.of(new HttpApi.ExAppMode(exApp, () -> exApp.identity().ifPresent(id ->
                            new AppApiStatus(config.webdav().orElseThrow().baseUrl(), id).reportProgress(100)),
                    config.publicUrl().orElse(config.displayUrl(config.port())), workers::wake));
            SidecarMetrics metrics = new SidecarMetrics(ledger, spool, workers.breaker(), clock);
            workers.reportTo(metrics);
            AdminRoutes admin = new AdminRoutes(ledger, store.stats(), spool, target, workers::breaker,
                    config.adminToken(), clock, workers::wake,
                    new AppApiAuth(exApp::identity)::proxiedUser);
            ResumableUploads resumable = new ResumableUploads(ledger, resumableLedger, spool, partials, clock,
                    config.resumableExpiry(), workers::wake, metrics, config.resumable(), devices,
                    config.serverLimits().maxUnfinishedPerDevice());
            resumable.recover();
            HttpApi api = new HttpApi(devices, ledger, spool, target, workers::health, config.maxConcurrentUploads(), workers::wake,
                    enrollment,
                    exAppMode, metrics, admin, resumable, config.serverLimits(), clock)
                    .start(config.bind(), config.port(), config.tls());
            ResumableExpiry expiry = new ResumableExpiry(resumable);
            workers.start();

            App app = new App(config, lock, ledger, devices, workers, api, target, resumable, expiry, store);
            app.announce(target, spool, exApp);
            return app;
        } catch (RuntimeException e) {
            if (store != null) {
                store.close();
            }
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

    private static void recoverSpool(Spool spool, JobLedger ledger, ResumableLedger resumable) {
        Set<String> unfinished = new HashSet<>();
        resumable.all().forEach(u -> unfinished.add(u.id()));
        // An unfinished upload's finished file may sit in ready/ (a crash while finishing): it goes back, not away.
        Set<String> needed = new HashSet<>(ledger.idsHoldingSpoolCopies());
        needed.addAll(unfinished);
        SpoolSweep sweep;
        try {
            sweep = spool.sweep(needed, unfinished, ledger::existingIds);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool: " + e.getMessage(), e);
        }
        if (sweep.unansweredRemoved() + sweep.endedRemoved() > 0) {
            log.info("Spool recovery: removed {} partial upload(s) and {} file(s) no job needs (their jobs have ended)",
                    sweep.unansweredRemoved(), sweep.endedRemoved());
        }
        sweep.quarantined().ifPresent(moved -> log.warn("Spool recovery: {} file(s) ({}) that no job or upload in the ledger"
                        + " knows were moved to {}, not deleted: they may be photos whose jobs a lost or older ledger does"
                        + " not have. Look through them, then delete the folder (docs/operations.md, \"Quarantine\")",
                moved.files(), Units.formatBytes(moved.bytes()), moved.folder()));
        int lost = ledger.failLostSpoolCopies(sweep.missing(),
                "the spool copy of this upload is missing (found at start-up); upload it again");
        if (lost > 0) {
            log.error("{} job(s) lost their spool copy and were marked failed: {}", lost, sweep.missing());
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
        log.info("Target: {} ({}), path template {}", target.name(), target.health().detail(), config.pathTemplate());
        if (devices.countActive() == 0) {
            log.warn("No device is enrolled yet. Add one with: photo-sidecar device add --user USER --name NAME");
        }
    }

    public int port() {
        return api.port();
    }

    public JobLedger ledger() {
        return ledger;
    }

    /** The HTTP API (tests compare its routes with the documentation). */
    public HttpApi api() {
        return api;
    }

    /** The delivery workers (tests look at the host breaker through it). */
    public DeliveryWorkers workers() {
        return workers;
    }

    /** Resumable uploads (tests run their expiry after moving the clock). */
    public ResumableUploads resumable() {
        return resumable;
    }

    public DeviceRegistry devices() {
        return devices;
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
            if (!api.drainUploads(config.shutdownGrace())) {
                log.warn("Some uploads were still running after the grace period; they are cut off and leave nothing behind");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.close();
        resumableExpiry.close();
        api.stop();
        if (target instanceof AutoCloseable closeable) {
            try {
                closeable.close();
            } catch (Exception e) {
                log.warn("Closing the {} target failed: {}", target.name(), e.getMessage());
            }
        }
        store.close();
        lock.close();
        log.info("Stopped");
    }
}
