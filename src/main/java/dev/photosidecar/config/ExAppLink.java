package dev.photosidecar.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running sidecar's standing with Nextcloud's AppAPI: whether it is registered as an ExApp, with which
 * secret, and whether Nextcloud has it enabled. {@code photo-sidecar nextcloud register} writes
 * {@code {data}/exapp.json} while the sidecar runs; {@link #refresh()}, called on each of AppAPI's lifecycle
 * calls, takes the new registration up, so registering needs no restart.
 *
 * <p>Unregistered, the sidecar works as before (uploads and deliveries run). Registered, it runs only while
 * Nextcloud has it enabled, because Nextcloud keeps serving WebDAV to a disabled ExApp. A new or changed
 * registration starts disabled until Nextcloud enables it.
 */
public final class ExAppLink {
    private static final Logger log = LoggerFactory.getLogger(ExAppLink.class);

    private final Path dataDir;
    private final boolean fixed;
    private final ExAppSwitch exAppSwitch;
    private volatile Optional<ExAppIdentity> identity;
    private Stamp seen;

    /** What identifies one version of exapp.json without reading it. */
    private record Stamp(FileTime modified, long size, Object fileKey) {
        static Stamp of(Path file) throws IOException {
            try {
                BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
                return new Stamp(a.lastModifiedTime(), a.size(), a.fileKey());
            } catch (NoSuchFileException absent) {
                return null;
            }
        }
    }

    private ExAppLink(Path dataDir, boolean fixed, Optional<ExAppIdentity> identity, Stamp seen, ExAppSwitch exAppSwitch) {
        this.dataDir = dataDir;
        this.fixed = fixed;
        this.identity = identity;
        this.seen = seen;
        this.exAppSwitch = exAppSwitch;
    }

    /** For targets other than Nextcloud: never an ExApp. */
    public static ExAppLink none() {
        return new ExAppLink(null, true, Optional.empty(), null, null);
    }

    /** As {@link #open(Path, Map)}, with the enabled state also kept where every replica reads it. */
    public static ExAppLink open(Path dataDir, Map<String, String> env, ExAppSwitch.Shared shared, Clock clock) {
        return open(dataDir, env, ExAppSwitch.forReplica(dataDir, shared, clock));
    }

    /**
     * The registration in {@code dataDir} (or AppAPI's {@code APP_SECRET} in {@code env}, which never changes while
     * running), with the enabled state recorded there. An unreadable exapp.json stops the start.
     */
    public static ExAppLink open(Path dataDir, Map<String, String> env) {
        return open(dataDir, env, ExAppSwitch.forExApp(dataDir));
    }

    private static ExAppLink open(Path dataDir, Map<String, String> env, ExAppSwitch exAppSwitch) {
        boolean fromEnv = env.containsKey("APP_SECRET") && !env.get("APP_SECRET").isBlank();
        Stamp stamp;
        try {
            stamp = Stamp.of(ExAppIdentity.file(dataDir));
        } catch (IOException e) {
            throw new ConfigException(ExAppIdentity.file(dataDir) + ": cannot read the ExApp registration (" + e.getMessage() + ")");
        }
        return new ExAppLink(dataDir, fromEnv, ExAppIdentity.load(dataDir, env), stamp, exAppSwitch);
    }

    /** Who the sidecar is to AppAPI now; empty while it is not registered. */
    public Optional<ExAppIdentity> identity() {
        return identity;
    }

    /**
     * Reads exapp.json again if it changed since it was last read, and answers the identity then in force. A new
     * secret (or a first one) is a new registration: the app is disabled until Nextcloud enables it. A file that
     * cannot be read leaves the identity as it was.
     */
    public synchronized Optional<ExAppIdentity> refresh() {
        if (fixed) {
            return identity;
        }
        Path file = ExAppIdentity.file(dataDir);
        Optional<ExAppIdentity> now;
        Stamp stamp;
        try {
            stamp = Stamp.of(file);
            if (Objects.equals(stamp, seen)) {
                return identity;
            }
            now = ExAppIdentity.load(dataDir, Map.of());
        } catch (IOException | ConfigException e) {
            log.warn("Cannot read the ExApp registration {}; keeping the one in force: {}", file, e.getMessage());
            return identity;
        }
        Optional<ExAppIdentity> before = identity;
        boolean sameSecret = before.isPresent() && now.isPresent() && before.get().secret().equals(now.get().secret());
        if (!sameSecret) {
            if (now.isPresent()) {
                exAppSwitch.set(false);
                log.info("Took up the ExApp registration in {}: running as the Nextcloud ExApp {}, disabled until "
                        + "Nextcloud enables it", file, now.get().appId());
            } else {
                log.info("{} is gone: no longer a Nextcloud ExApp; uploads and deliveries run without AppAPI", file);
            }
        }
        identity = now;
        seen = stamp;
        return now;
    }

    public boolean registered() {
        return identity.isPresent();
    }

    /** Whether uploads and deliveries may run: always when unregistered, else as Nextcloud last said. */
    public boolean enabled() {
        return identity.isEmpty() || exAppSwitch.isEnabled();
    }

    /** Nextcloud enabled ({@code true}) or disabled the app; kept across restarts. */
    public void setEnabled(boolean on) {
        if (exAppSwitch == null) {
            throw new IllegalStateException("not an ExApp");
        }
        exAppSwitch.set(on);
    }
}
