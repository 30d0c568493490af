package dev.photosidecar.cli.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.ExAppSwitch;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.TargetKind;
import dev.photosidecar.delivery.target.webdav.AppApiHeaders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The Nextcloud ExApp registration, when {@code {data}/exapp.json} exists: the file reads, holds a secret that
 * only its owner can read (mode 0600), and (for target nextcloud) Nextcloud answers at {@code status.php}, knows
 * the secret, has the app enabled, and the sidecar was told so.
 */
final class ExAppChecks {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHECK = "exapp registration";
    private static final Set<PosixFilePermission> OWNER_ONLY =
            EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    private ExAppChecks() {
    }

    static List<CheckResult> run(SidecarConfig config, Optional<HostProbe> probe) {
        List<CheckResult> results = new ArrayList<>();
        Path file = ExAppIdentity.file(config.dataDir());
        if (!Files.exists(file)) {
            results.add(CheckResult.skip("exapp", "not registered as a Nextcloud ExApp (no " + file + ")"));
            return results;
        }
        Optional<ExAppIdentity> identity;
        try {
            identity = ExAppIdentity.load(config.dataDir(), Map.of());
        } catch (ConfigException e) {
            results.add(CheckResult.fail("exapp", e.getMessage(), "photo-sidecar nextcloud register … --new-secret"));
            return results;
        }
        if (identity.isEmpty() || identity.get().secret().isBlank()) {
            results.add(CheckResult.fail("exapp", file + " holds no secret", "photo-sidecar nextcloud register … --new-secret"));
            return results;
        }
        results.add(mode(file, config.target()));
        if (config.target() == TargetKind.NEXTCLOUD && probe.isPresent() && config.webdav().isPresent()) {
            String root = DavUrls.serverRoot(config.webdav().get().baseUrl());
            CheckResult status = status(probe.get(), root + "status.php");
            results.add(status);
            if (!status.failed()) {
                results.add(registration(probe.get(), root, identity.get(), config.dataDir()));
            }
        }
        return results;
    }

    private static CheckResult mode(Path file, TargetKind target) {
        String used = target == TargetKind.NEXTCLOUD ? "" : " (used only with SIDECAR_TARGET=nextcloud)";
        Set<PosixFilePermission> perms;
        try {
            perms = Files.getPosixFilePermissions(file);
        } catch (UnsupportedOperationException noPosix) {
            return CheckResult.skip("exapp", file + " exists; this file system has no POSIX modes to check" + used);
        } catch (IOException e) {
            return CheckResult.fail("exapp", "cannot read the mode of " + file + " (" + FolderProbe.reason(e) + ")",
                    "make it readable for the user the sidecar runs as");
        }
        if (!OWNER_ONLY.containsAll(perms)) {
            return CheckResult.fail("exapp", file + " is mode " + octal(perms) + " (" + PosixFilePermissions.toString(perms)
                    + "): other users can read the ExApp secret", "chmod 600 " + file);
        }
        return CheckResult.pass("exapp", file + " is mode " + octal(perms) + ", readable by its owner only" + used);
    }

    private static CheckResult status(HostProbe probe, String url) {
        HostProbe.Reply r = probe.get(url, Map.of());
        if (!r.answered()) {
            return CheckResult.fail("nextcloud", "cannot reach " + url + ": " + r.problem().get(),
                    "start Nextcloud, or correct SIDECAR_WEBDAV_URL");
        }
        JsonNode status = null;
        try {
            status = r.status() == 200 ? JSON.readTree(r.body()) : null;
        } catch (IOException notJson) {
            // handled below: not Nextcloud
        }
        if (status == null || !status.path("installed").isBoolean()) {
            return CheckResult.fail("nextcloud", url + " does not answer like Nextcloud (HTTP " + r.status() + ")",
                    "set SIDECAR_WEBDAV_URL to the Nextcloud server's own URL, e.g. https://cloud.example/");
        }
        String version = status.path("versionstring").asText("?");
        if (status.path("maintenance").asBoolean(false)) {
            return CheckResult.fail("nextcloud", "Nextcloud " + version + " is in maintenance mode",
                    "finish the upgrade or repair, then: occ maintenance:mode --off");
        }
        if (status.path("needsDbUpgrade").asBoolean(false)) {
            return CheckResult.fail("nextcloud", "Nextcloud " + version + " waits for its database upgrade", "occ upgrade");
        }
        if (!status.path("installed").asBoolean()) {
            return CheckResult.fail("nextcloud", "Nextcloud at " + url + " is not installed yet", "finish Nextcloud's installation");
        }
        return CheckResult.pass("nextcloud", "Nextcloud " + version + " answers at " + url);
    }

    /**
     * Nextcloud's own view of the registration: AppAPI's {@code ex-app/state}, the one call it answers for a disabled
     * ExApp too, with this sidecar's secret. Then whether the sidecar was told (its recorded {@code PUT /enabled}).
     */
    private static CheckResult registration(HostProbe probe, String root, ExAppIdentity identity, Path dataDir) {
        String url = root + "ocs/v2.php/apps/app_api/ex-app/state?format=json";
        String register = "photo-sidecar nextcloud register --nextcloud-url " + root + " --sidecar-host HOST --occ 'COMMAND RUNNING OCC'";
        HostProbe.Reply r = probe.get(url, AppApiHeaders.forUser(identity, ""));
        if (!r.answered()) {
            return CheckResult.fail(CHECK, "cannot reach " + url + ": " + r.problem().get(), "start Nextcloud, or correct SIDECAR_WEBDAV_URL");
        }
        if (r.status() == 401) {
            return CheckResult.fail(CHECK, "Nextcloud does not accept this sidecar's ExApp secret: " + identity.appId()
                    + " is not registered there, or with another secret", register);
        }
        JsonNode data = null;
        try {
            data = r.status() == 200 ? JSON.readTree(r.body()).path("ocs").path("data") : null;
        } catch (IOException notJson) {
            // handled below
        }
        if (data == null || !(data.isInt() || data.isBoolean())) {
            return CheckResult.fail(CHECK, url + " answered HTTP " + r.status() + ", not AppAPI's state of " + identity.appId(),
                    "enable AppAPI: occ app:enable app_api");
        }
        boolean enabled = data.isBoolean() ? data.asBoolean() : data.asInt() == 1;
        if (!enabled) {
            return CheckResult.fail(CHECK, identity.appId() + " is registered in Nextcloud but disabled: uploads answer 503 "
                    + "APP_DISABLED and deliveries wait", register + " (registers it again, so that Nextcloud initialises and "
                    + "enables it), or occ app_api:app:enable " + identity.appId());
        }
        if (!ExAppSwitch.recorded(dataDir)) {
            return CheckResult.fail(CHECK, identity.appId() + " is enabled in Nextcloud, but the sidecar was never told (it "
                    + "holds uploads and deliveries as if disabled)", register + " (disables and enables it, so that "
                    + "Nextcloud calls /enabled)");
        }
        return CheckResult.pass(CHECK, identity.appId() + " is registered and enabled in Nextcloud, and the sidecar knows it");
    }

    static String octal(Set<PosixFilePermission> perms) {
        int mode = 0;
        for (PosixFilePermission p : perms) {
            mode |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", mode);
    }
}
