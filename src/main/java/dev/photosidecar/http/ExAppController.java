package dev.photosidecar.http;

import dev.photosidecar.config.ExAppLink;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.EnrolledDevice;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The calls Nextcloud's AppAPI makes to an ExApp: {@code GET /heartbeat} (no auth), {@code POST /init},
 * {@code PUT /enabled?enabled=1|0}, and the USER route {@code POST /exapp/devices} that Nextcloud proxies
 * for a logged-in user (enrollment without any password reaching the sidecar). Each lifecycle call first takes up
 * a registration written since the last one, so {@code nextcloud register} works while the sidecar runs; until
 * there is one, they answer {@code 404 EXAPP_NOT_REGISTERED}.
 */
public final class ExAppController {
    private static final Logger log = LoggerFactory.getLogger(ExAppController.class);

    private final AppApiAuth auth;
    private final ExAppLink link;
    private final DeviceRegistry devices;
    private final Runnable reportInitDone;
    private final String publicUrl;
    private final Runnable onEnabled;

    public ExAppController(AppApiAuth auth, ExAppLink link, DeviceRegistry devices, Runnable reportInitDone,
                    String publicUrl, Runnable onEnabled) {
        this.auth = auth;
        this.link = link;
        this.devices = devices;
        this.reportInitDone = reportInitDone;
        this.publicUrl = publicUrl;
        this.onEnabled = onEnabled;
    }

    /** No auth (AppAPI sends none), but only once registered: AppAPI must not take an unregistered sidecar for its app. */
    public void heartbeat(Context ctx) {
        if (link.refresh().isEmpty()) {
            throw AppApiAuth.notRegistered();
        }
        ctx.json(Map.of("status", "ok"));
    }

    /** Nothing to prepare: report 100 % from the background, as AppAPI expects, and answer at once. */
    public void init(Context ctx) {
        link.refresh();
        auth.verify(ctx);
        log.info("Nextcloud initialises the ExApp (POST /init); reporting 100 %");
        CompletableFuture.runAsync(reportInitDone);
        ctx.json(Map.of());
    }

    public void enabled(Context ctx) {
        link.refresh();
        auth.verify(ctx);
        String flag = ctx.queryParam("enabled");
        if (!"1".equals(flag) && !"0".equals(flag)) {
            ctx.json(Map.of("error", "the query parameter enabled must be 1 or 0"));
            return;
        }
        boolean on = flag.equals("1");
        link.setEnabled(on);
        log.info("Nextcloud {} the sidecar: {}", on ? "enabled" : "disabled",
                on ? "uploads and deliveries run" : "uploads answer 503 and deliveries wait");
        if (on) {
            onEnabled.run();
        }
        ctx.json(Map.of("error", ""));
    }

    /** USER route: a device for the logged-in Nextcloud user, and where the phone uploads directly. */
    public void enrollDevice(Context ctx) {
        String user = auth.verify(ctx);
        if (user.isEmpty()) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "this route needs a logged-in Nextcloud user");
        }
        try {
            DeviceRegistry.validateUserId(user);
        } catch (IllegalArgumentException e) {
            // Only AppAPI (holding our secret) names the user, but a bad name is still a 400, never a 500.
            throw new Problem(ErrorCode.INVALID_PARAMETER, "the Nextcloud user id '" + UploadKey.printable(user)
                    + "' cannot own devices here: " + e.getMessage());
        }
        String name = JsonBodies.stringField(ctx, "name", false).orElse("Phone");
        EnrollmentController.checkName(name);
        EnrolledDevice enrolled = devices.add(user, name);
        log.info("Enrolled device {} ({}) for Nextcloud user {} through the ExApp route", enrolled.device().id(), name, user);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deviceId", enrolled.device().id());
        body.put("token", enrolled.token());
        body.put("user", user);
        body.put("uploadUrl", publicUrl + "/v1/uploads/");
        ctx.status(201).json(body);
    }
}
