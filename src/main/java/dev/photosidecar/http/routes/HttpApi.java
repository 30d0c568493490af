package dev.photosidecar.http.routes;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.config.ServerLimits;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.http.AppApiAuth;
import dev.photosidecar.http.BearerAuth;
import dev.photosidecar.http.DeviceLimits;
import dev.photosidecar.http.EnrollmentController;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.ErrorResponses;
import dev.photosidecar.http.ExAppController;
import dev.photosidecar.http.HeaderDeadline;
import dev.photosidecar.http.HealthController;
import dev.photosidecar.http.JettyJsonErrors;
import dev.photosidecar.http.JobController;
import dev.photosidecar.http.Problem;
import dev.photosidecar.http.SecurityHeaders;
import dev.photosidecar.http.SidecarMetrics;
import dev.photosidecar.http.TlsConnector;
import dev.photosidecar.http.UploadController;
import dev.photosidecar.http.UploadGate;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.spool.Spool;
import io.javalin.Javalin;
import io.javalin.http.HandlerType;
import io.javalin.json.JavalinJackson;
import java.time.Duration;
import java.util.Map;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The device-facing HTTP server. This class is the one place that declares every route; the
 * controllers behind them only do HTTP in and out.
 */
public final class HttpApi {
    private static final Logger log = LoggerFactory.getLogger(HttpApi.class);

    private final Javalin app;
    private final UploadGate gate;
    private final Listening listening;
    private final java.util.List<String> declared = new java.util.ArrayList<>();

    /**
     * Builds the server and every controller behind it; nothing listens until {@link #start()}.
     *
     * @param exAppMode present with target nextcloud: the AppAPI routes, and uploads only while Nextcloud enables the app
     */
    public HttpApi(Storage storage, Delivery delivery, Listening listening, Enrollment enrollment,
                   java.util.Optional<ExAppMode> exAppMode, SidecarMetrics metrics,
                   dev.photosidecar.http.admin.AdminRoutes admin, java.time.Clock clock) {
        this.listening = listening;
        ServerLimits limits = listening.limits();
        this.gate = new UploadGate(listening.maxConcurrentUploads(),
                exAppMode.<java.util.function.BooleanSupplier>map(m -> m.link()::enabled).orElse(() -> true));
        java.util.Optional<ExAppController> exApp = exAppMode.map(m -> new ExAppController(new AppApiAuth(m.link()::identity),
                m.link(), storage.devices(), m.reportInitDone(), m.publicUrl(), m.onEnabled()));
        DeviceLimits deviceLimits = new DeviceLimits(limits, clock);
        BearerAuth auth = new BearerAuth(storage.devices(), deviceLimits);
        dev.photosidecar.http.resumable.ResumableUploads resumable = storage.resumable();
        dev.photosidecar.http.resumable.IetfUploads ietf = new dev.photosidecar.http.resumable.IetfUploads(resumable, gate, auth);
        dev.photosidecar.http.resumable.TusUploads tus = new dev.photosidecar.http.resumable.TusUploads(resumable, gate, auth);
        UploadController uploads = new UploadController(gate, auth, storage.spool(), storage.intake(), metrics,
                resumable::supersedeByPlainUpload, ietf::plainUploadRules);
        JobController jobs = new JobController(auth, storage.jobs(), storage.spool(), delivery.wake(), delivery.target());
        HealthController health = new HealthController(storage.jobs(), storage.spool(), delivery.target(), delivery.health(), gate);
        EnrollmentController enroll = new EnrollmentController(enrollment.accounts(), enrollment.hostIsNextcloud(),
                storage.devices(), enrollment.credentials(), enrollment.clock());
        ObjectMapper mapper = new ObjectMapper();

        this.app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.jsonMapper(new JavalinJackson(mapper, false));
            config.http.prefer405over404 = true;
            config.http.defaultContentType = "application/json";
            config.router.ignoreTrailingSlashes = false;
            config.jetty.modifyServer(server -> server.setErrorHandler(new JettyJsonErrors(mapper)));
            config.jetty.modifyServletContextHandler(handler -> handler.setErrorHandler(new JettyJsonErrors(mapper)));
            // With SIDECAR_TLS_CERT/KEY the one listening connector speaks HTTPS (Javalin then adds no plain one).
            config.jetty.addConnector((server, http) -> TlsConnector.create(server, http, listening.bind(), listening.port(),
                    listening.tls()));
            config.jetty.modifyHttpConfiguration(http -> {
                http.setSendServerVersion(false);
                http.setSendXPoweredBy(false);
                http.setRequestHeaderSize(limits.maxHeaderBytes());
                // Jetty's per-connection header cache matches case-insensitively by default and then hands back
                // the cached value: "Bearer PSC_…" would come out as the earlier "Bearer psc_…". Values are exact.
                http.setHeaderCacheCaseSensitive(true);
            });
            // Connectors exist only once Javalin starts the server; every one (plain or TLS) gets the same guards.
            config.events.serverStarting(() -> guardConnectors(limits));
            config.requestLogger.http((ctx, ms) -> log.debug("{} {} -> {} in {} ms", ctx.method(), ctx.path(), ctx.statusCode(), ms));

            config.routes.before(SecurityHeaders::apply);
            route(config.routes, HandlerType.GET, "/healthz", health::health);
            exApp.ifPresent(x -> {
                // AppAPI's lifecycle calls, and the USER route Nextcloud proxies for logged-in users.
                route(config.routes, HandlerType.GET, "/heartbeat", x::heartbeat);
                route(config.routes, HandlerType.POST, "/init", x::init);
                route(config.routes, HandlerType.PUT, "/enabled", x::enabled);
                route(config.routes, HandlerType.POST, "/exapp/devices", x::enrollDevice);
            });
            route(config.routes, HandlerType.GET, "/readyz", health::ready);
            route(config.routes, HandlerType.GET, "/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.scrape()));

            // "check" is a fixed name beside the {key} routes: registered first, it wins for POST.
            route(config.routes, HandlerType.POST, "/v1/uploads/check", jobs::check);
            // A request with the IETF resumable-upload headers creates a resumable upload; without, it is plain.
            // Either way it counts against the device's concurrent uploads.
            io.javalin.http.Handler upload = deviceLimits.perDeviceUploads(auth, ctx -> {
                if (ietf.isCreation(ctx)) ietf.create(ctx); else uploads.upload(ctx);
            });
            route(config.routes, HandlerType.PUT, "/v1/uploads/{key}", upload);
            route(config.routes, HandlerType.POST, "/v1/uploads/{key}", upload);
            route(config.routes, HandlerType.GET, "/v1/uploads/{key}", jobs::getByKey);
            route(config.routes, HandlerType.OPTIONS, "/v1/uploads/{key}", ietf::options);

            // Resumable uploads: the IETF draft's upload resource, and tus 1.0.
            route(config.routes, HandlerType.HEAD, "/v1/resumable/{id}", ietf::head);
            route(config.routes, HandlerType.PATCH, "/v1/resumable/{id}", deviceLimits.perDeviceUploads(auth, ietf::patch));
            route(config.routes, HandlerType.DELETE, "/v1/resumable/{id}", ietf::delete);
            route(config.routes, HandlerType.OPTIONS, "/v1/resumable/{id}", ietf::options);
            route(config.routes, HandlerType.OPTIONS, "/v1/tus/", tus::options);
            route(config.routes, HandlerType.POST, "/v1/tus/", deviceLimits.perDeviceUploads(auth, tus::create));
            route(config.routes, HandlerType.HEAD, "/v1/tus/{id}", tus::head);
            route(config.routes, HandlerType.PATCH, "/v1/tus/{id}", deviceLimits.perDeviceUploads(auth, tus::patch));
            route(config.routes, HandlerType.DELETE, "/v1/tus/{id}", tus::delete);
            route(config.routes, HandlerType.OPTIONS, "/v1/tus/{id}", tus::options);

            route(config.routes, HandlerType.POST, "/v1/devices", enroll::enroll);
            route(config.routes, HandlerType.POST, "/v1/login", enroll::startLogin);
            route(config.routes, HandlerType.POST, "/v1/login/poll", enroll::pollLogin);

            route(config.routes, HandlerType.GET, "/v1/jobs", jobs::list);
            route(config.routes, HandlerType.POST, "/v1/jobs/acknowledge", jobs::acknowledgeMany);
            route(config.routes, HandlerType.GET, "/v1/jobs/{id}", jobs::get);
            route(config.routes, HandlerType.DELETE, "/v1/jobs/{id}", jobs::cancel);
            route(config.routes, HandlerType.POST, "/v1/jobs/{id}/acknowledge", jobs::acknowledge);
            route(config.routes, HandlerType.POST, "/v1/jobs/{id}/retry", jobs::retry);

            admin.register(config.routes);

            // Every failure, typed or not, is answered through the one table (StorageErrors) or as an internal error.
            config.routes.exception(Exception.class, (e, ctx) -> ErrorResponses.sendFailure(ctx, e));
            config.routes.error(404, "*", ctx -> {
                if (ctx.result() == null || ctx.result().isEmpty() || !ctx.result().contains("\"error\"")) {
                    ErrorResponses.send(ctx, new Problem(ErrorCode.NOT_FOUND, "no such endpoint: " + ctx.method() + " " + ctx.path()));
                }
            });
            config.routes.error(405, "*", ctx -> ErrorResponses.send(ctx,
                    new Problem(ErrorCode.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path())));
        });
    }

    /** The ledger and the spool behind the device API, the intake rule, and the resumable uploads kept in them. */
    public record Storage(DeviceRegistry devices, JobLedger jobs, Spool spool, dev.photosidecar.intake.Intake intake,
                          dev.photosidecar.http.resumable.ResumableUploads resumable) {
    }

    /**
     * What the device API knows of delivery: the target (readiness, cancelling its chunked uploads), the delivery
     * workers' own health, and how to wake them when a job becomes due.
     */
    public record Delivery(DeliveryTarget target, java.util.function.Supplier<DeliveryTarget.Health> health, Runnable wake) {
    }

    /** Where the server listens (HTTPS when {@code tls} is given), and how much it admits at once. */
    public record Listening(String bind, int port, java.util.Optional<dev.photosidecar.config.TlsFiles> tls,
                            int maxConcurrentUploads, ServerLimits limits) {
    }

    /** What self-service enrollment needs: the host's account calls, if the target is Nextcloud. */
    public record Enrollment(java.util.Optional<dev.photosidecar.delivery.target.webdav.NextcloudAccounts> accounts,
                             java.util.function.BooleanSupplier hostIsNextcloud,
                             dev.photosidecar.ledger.CredentialStore credentials, java.time.Clock clock) {
    }

    /**
     * What the ExApp routes need (target nextcloud, registered or not yet): the registration and enabled state,
     * how to report initialisation, the URL phones upload to directly, and what to do when Nextcloud enables us.
     */
    public record ExAppMode(dev.photosidecar.config.ExAppLink link,
                            Runnable reportInitDone, String publicUrl, Runnable onEnabled) {
    }

    /** Idle timeout and the header deadline on every connector (slow-loris protection). */
    private void guardConnectors(ServerLimits limits) {
        HeaderDeadline deadline = new HeaderDeadline(limits.headerTimeout());
        for (org.eclipse.jetty.server.Connector c : app.jettyServer().server().getConnectors()) {
            if (c instanceof AbstractConnector connector) {
                connector.setIdleTimeout(limits.idleTimeout().toMillis());
                connector.addBean(deadline);
            }
        }
    }

    /** Declares one route, and remembers it for {@link #routes()}. */
    private void route(io.javalin.config.RoutesConfig routes, HandlerType method, String path, io.javalin.http.Handler handler) {
        declared.add(method.name() + " " + path);
        routes.addHttpHandler(method, path, handler);
    }

    /** Every route this server declared, as "METHOD /path" (the API test compares them with docs/openapi.yaml). */
    public java.util.List<String> routes() {
        return java.util.List.copyOf(declared);
    }

    /** Listens where {@link Listening} says. */
    public HttpApi start() {
        app.start(listening.bind(), listening.port());
        return this;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return ((ServerConnector) app.jettyServer().server().getConnectors()[0]).getLocalPort();
    }

    /**
     * The first half of a graceful stop: refuse new uploads with 503 and Retry-After, and wait up to
     * {@code grace} for running ones to finish. Other calls keep being answered.
     */
    public boolean drainUploads(Duration grace) throws InterruptedException {
        return gate.closeAndAwait(grace);
    }

    public void stop() {
        app.stop();
    }

    public Map<String, Object> describe() {
        return Map.of("runningUploads", gate.running());
    }
}
