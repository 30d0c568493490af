package dev.photosidecar.server;

import dev.photosidecar.config.ExAppLink;
import dev.photosidecar.config.SecretBox;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.SpoolDirLock;
import dev.photosidecar.config.TargetKind;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.DeliveryWorkers;
import dev.photosidecar.delivery.HostBreaker;
import dev.photosidecar.delivery.target.local.LocalFolderTarget;
import dev.photosidecar.delivery.target.webdav.AppApiStatus;
import dev.photosidecar.delivery.target.webdav.NextcloudAccounts;
import dev.photosidecar.delivery.target.webdav.WebDavTarget;
import dev.photosidecar.http.AppApiAuth;
import dev.photosidecar.http.SidecarMetrics;
import dev.photosidecar.http.admin.AdminRoutes;
import dev.photosidecar.http.resumable.ResumableUploads;
import dev.photosidecar.http.routes.HttpApi;
import dev.photosidecar.intake.Intake;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.RetryPolicy;
import dev.photosidecar.spool.PartialStore;
import dev.photosidecar.spool.Spool;
import java.time.Clock;
import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * The composition root: builds every part of a running sidecar, each given what it needs through its constructor,
 * in the order the parts depend on each other. Nothing here starts a thread, listens or repairs anything: {@link App}
 * runs the {@link #recovery} and then starts the parts.
 */
final class Wiring {
    final JobLedger ledger;
    final DeviceRegistry devices;
    final Spool spool;
    final ExAppLink exApp;
    final DeliveryTarget target;
    final DeliveryWorkers workers;
    final ResumableUploads resumable;
    final HttpApi api;
    final StartupRecovery recovery;

    /**
     * @param store     the open ledger (the root picks its implementation)
     * @param spoolLock the spool folder's lock: whether this process has the spool to itself at start-up
     */
    Wiring(SidecarConfig config, Ledger store, SpoolDirLock spoolLock, Clock clock, BooleanSupplier deliveryGate) {
        // This process's lease owner, so that start-up can tell the leases a run that has ended left behind.
        String owner = "sidecar-" + Ids.jobId().substring(0, 12);
        ledger = store.jobs();
        if (ledger.shared() != spoolLock.sharedLedger()) {
            throw new IllegalStateException("the spool was locked for a " + (spoolLock.sharedLedger() ? "shared" : "lone")
                    + " ledger, but the ledger is " + (ledger.shared() ? "shared" : "not shared"));
        }
        devices = store.devices();
        ResumableLedger resumableLedger = store.resumable();
        spool = new Spool(config.spoolDir(), config.quarantineDir(), config.spoolReserveBytes(), config.maxUploadBytes(), clock);
        PartialStore partials = new PartialStore(spool);

        CredentialStore credentials = store.credentials(SecretBox.load(config.secretKey(), config.dataDir()));
        // With target nextcloud, `nextcloud register` may make this sidecar an ExApp while it runs.
        exApp = config.target() == TargetKind.NEXTCLOUD ? ExAppLink.open(config.dataDir(), System.getenv()) : ExAppLink.none();
        target = switch (config.target()) {
            case LOCAL -> new LocalFolderTarget(config.libraryDir());
            case WEBDAV, NEXTCLOUD -> new WebDavTarget(config.webdav().orElseThrow(), credentials,
                    store.chunks(), config.workers(), clock, exApp::identity);
        };
        RetryPolicy retry = RetryPolicy.of(config.maxAttempts(), config.retryInitialDelay(), config.retryMaxDelay());
        HostBreaker breaker = new HostBreaker();
        SidecarMetrics metrics = new SidecarMetrics(ledger, spool, breaker, clock);
        workers = new DeliveryWorkers(ledger, devices, spool, target, config.pathTemplate(), config.timeZone(), retry, clock,
                config.workers(), config.leaseDuration(), owner, credentials::version, breaker, metrics,
                () -> deliveryGate.getAsBoolean() && exApp.enabled());

        Intake intake = new Intake(ledger, devices, spool, job -> workers.jobDue(job.userId()));
        resumable = new ResumableUploads(ledger, intake, resumableLedger, spool, partials, clock, config.resumableExpiry(),
                workers::wake, metrics, config.resumable(), devices, config.serverLimits().maxUnfinishedPerDevice());
        AdminRoutes admin = new AdminRoutes(ledger, store.stats(), spool, target, workers::breaker,
                config.adminToken(), clock, workers::wake, new AppApiAuth(exApp::identity)::proxiedUser);
        HttpApi.Enrollment enrollment = new HttpApi.Enrollment(config.webdav().map(NextcloudAccounts::new),
                () -> target instanceof WebDavTarget w && w.hostFacts().nextcloud(), credentials, clock);
        Optional<HttpApi.ExAppMode> exAppMode = config.target() != TargetKind.NEXTCLOUD ? Optional.empty()
                : Optional.of(new HttpApi.ExAppMode(exApp, () -> exApp.identity().ifPresent(id ->
                        new AppApiStatus(config.webdav().orElseThrow().baseUrl(), id).reportProgress(100)),
                config.publicUrl().orElse(config.displayUrl(config.port())), workers::wake));
        api = new HttpApi(new HttpApi.Storage(devices, ledger, spool, intake, resumable),
                new HttpApi.Delivery(target, workers::health, workers::wake),
                new HttpApi.Listening(config.bind(), config.port(), config.tls(), config.maxConcurrentUploads(),
                        config.serverLimits()),
                enrollment, exAppMode, metrics, admin, clock);

        recovery = new StartupRecovery(ledger, resumableLedger, spool, resumable, owner, spoolLock.alone());
    }
}
