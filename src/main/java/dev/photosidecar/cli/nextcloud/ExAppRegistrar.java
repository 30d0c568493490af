package dev.photosidecar.cli.nextcloud;

import dev.photosidecar.cli.nextcloud.AppApiListings.AppState;
import dev.photosidecar.config.ExAppSwitch;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * {@code nextcloud register --occ}: brings the ExApp to "registered and enabled" from wherever it stands, and says
 * ok only when both Nextcloud lists it enabled and the sidecar recorded Nextcloud's {@code PUT /enabled}. What AppAPI
 * 32 does decides the steps: {@code app:register} checks the heartbeat (for up to 10 minutes), enables the app and
 * calls {@code /init}, whose report of 100 % makes AppAPI call {@code /enabled}; {@code app:enable} only checks the
 * heartbeat and calls {@code /enabled}, never {@code /init}. So a registered but disabled app (a registration that
 * never finished, or one an admin disabled) is registered again, and one registered with an older secret too.
 */
public final class ExAppRegistrar {
    /** app:register has to reach the sidecar and get its init report; it waits for that without end. */
    private static final Duration REGISTER_LIMIT = Duration.ofMinutes(3);
    private static final Duration STEP_LIMIT = Duration.ofMinutes(2);
    private static final Duration CONFIRM_LIMIT = Duration.ofSeconds(60);

    /**
     * @param daemonRegister the {@code app_api:daemon:register …} arguments
     * @param appRegister    the {@code app_api:app:register …} arguments
     * @param secretIsNew    the secret was made by this run, so Nextcloud cannot know it yet
     */
    public record Plan(String appId, String daemon, String sidecarHost, Path dataDir, List<String> daemonRegister,
                       List<String> appRegister, boolean secretIsNew) {
    }

    private final Occ occ;
    private final Plan plan;
    private final PrintWriter out;
    private final PrintWriter err;

    public ExAppRegistrar(String occCommand, String secret, Plan plan, PrintWriter out, PrintWriter err) {
        this.occ = new Occ(occCommand, secret);
        this.plan = plan;
        this.out = out;
        this.err = err;
    }

    /** Runs the steps; 0 only when the app ends registered and enabled on both sides. */
    public int run(Optional<SidecarHeartbeat> heartbeat, String nextcloudUrl) throws IOException, InterruptedException {
        if (heartbeat.isPresent()) {
            Optional<String> problem = heartbeat.get().problem(plan.dataDir(), nextcloudUrl);
            if (problem.isPresent()) {
                return failed(problem.get());
            }
            out.println("ok: the sidecar answers at " + heartbeat.get().url() + " with this registration");
        }
        if (!step(plan.daemonRegister(), STEP_LIMIT)) {
            return 1;
        }
        Optional<String> host = listing(List.of("app_api:daemon:list")).flatMap(t -> AppApiListings.daemonHost(t, plan.daemon()));
        if (host.isPresent() && !host.get().equals(plan.sidecarHost())) {
            return failed("the AppAPI daemon " + plan.daemon() + " sends its calls to " + host.get() + ", not to " + plan.sidecarHost()
                    + ": run this again with --daemon and a new name (a daemon of its own), or remove the old one first "
                    + "(occ app_api:daemon:unregister " + plan.daemon() + ", once no ExApp uses it)");
        }
        Optional<AppState> state = appState();
        if (state.isEmpty()) {
            return 1;
        }
        boolean sidecarEnabled = ExAppSwitch.recorded(plan.dataDir());
        if (state.get() == AppState.ENABLED && !plan.secretIsNew() && sidecarEnabled) {
            out.println("ok: " + plan.appId() + " was already registered and enabled; nothing to change");
            return 0;
        }
        if (state.get() == AppState.ENABLED && !plan.secretIsNew()) {
            // Nextcloud's app:enable would say "already enabled" and call nothing: disable first, so it calls /enabled.
            out.println(plan.appId() + " is enabled in Nextcloud, but the sidecar was never told: disabling and enabling it");
            if (!step(List.of("app_api:app:disable", plan.appId()), STEP_LIMIT)
                    || !step(List.of("app_api:app:enable", plan.appId()), STEP_LIMIT)) {
                return 1;
            }
            return confirm();
        }
        if (state.get() != AppState.ABSENT) {
            out.println(plan.secretIsNew()
                    ? plan.appId() + " is registered with an older secret: registering it again with the new one"
                    : plan.appId() + " is registered but disabled (a registration that never finished, or disabled by an "
                            + "admin): registering it again, so that Nextcloud initialises and enables it");
            if (!step(List.of("app_api:app:unregister", plan.appId(), "--force"), STEP_LIMIT)) {
                return 1;
            }
        }
        if (!step(plan.appRegister(), REGISTER_LIMIT)) {
            return 1;
        }
        return confirm();
    }

    /** Waits for both sides to agree that the app is enabled. */
    private int confirm() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + CONFIRM_LIMIT.toNanos();
        AppState state;
        boolean told;
        do {
            Optional<AppState> s = appState();
            if (s.isEmpty()) {
                return 1;
            }
            state = s.get();
            told = ExAppSwitch.recorded(plan.dataDir());
            if (state == AppState.ENABLED && told) {
                out.println("ok: " + plan.appId() + " is registered and enabled: Nextcloud called its /init and /enabled");
                return 0;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        if (state != AppState.ENABLED) {
            return failed("Nextcloud lists " + plan.appId() + " as " + state.name().toLowerCase(java.util.Locale.ROOT)
                    + " after registering it: its log (occ log:tail) says why; then run this again");
        }
        return failed("Nextcloud lists " + plan.appId() + " as enabled, but the sidecar reading " + plan.dataDir()
                + " was not told within " + CONFIRM_LIMIT.toSeconds() + " s: check that it reaches Nextcloud at its "
                + "SIDECAR_WEBDAV_URL (photo-sidecar doctor), then run this again");
    }

    private Optional<AppState> appState() throws IOException, InterruptedException {
        return listing(List.of("app_api:app:list")).map(l -> AppApiListings.app(l, plan.appId()));
    }

    private Optional<String> listing(List<String> args) throws IOException, InterruptedException {
        Occ.Result r = occ.run(args, STEP_LIMIT);
        if (!r.ok()) {
            failed("occ " + args.get(0) + ": " + r.said());
            return Optional.empty();
        }
        return Optional.of(r.output());
    }

    private boolean step(List<String> args, Duration limit) throws IOException, InterruptedException {
        Occ.Result r = occ.run(args, limit);
        if (r.ok()) {
            out.println("ok: occ " + args.get(0) + "\n  " + r.said().replace("\n", "\n  "));
            out.flush();
            return true;
        }
        if (r.output().contains("There are no commands defined in the \"app_api")) {
            failed("AppAPI is not enabled in this Nextcloud: enable it (occ app:enable app_api), then run this again");
            return false;
        }
        failed("occ " + args.get(0) + "\n  " + r.said().replace("\n", "\n  "));
        return false;
    }

    private int failed(String why) {
        out.flush();
        err.println("FAILED: " + why);
        err.flush();
        return 1;
    }
}
