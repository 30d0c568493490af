package dev.photosidecar.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Whether Nextcloud has the sidecar enabled as an ExApp. Nextcloud keeps serving WebDAV to a disabled
 * ExApp, so the sidecar stops itself: no uploads (503) and no deliveries while disabled. The state
 * survives restarts ({@code {data}/exapp-enabled}). Outside ExApp mode it is always on.
 */
public final class ExAppSwitch {
    private final Path file;
    private volatile boolean enabled;

    private ExAppSwitch(Path file, boolean enabled) {
        this.file = file;
        this.enabled = enabled;
    }

    public static ExAppSwitch alwaysOn() {
        return new ExAppSwitch(null, true);
    }

    /** An ExApp starts disabled until Nextcloud enables it. */
    public static ExAppSwitch forExApp(Path dataDir) {
        Path f = dataDir.resolve("exapp-enabled");
        boolean on;
        try {
            on = Files.exists(f) && Files.readString(f).trim().equals("true");
        } catch (IOException e) {
            on = false;
        }
        return new ExAppSwitch(f, on);
    }

    public boolean isEnabled() {
        return enabled;
    }

    public synchronized void set(boolean on) {
        if (file != null) {
            try {
                Path temp = file.resolveSibling(file.getFileName() + ".new");
                Files.writeString(temp, Boolean.toString(on));
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot record the ExApp's enabled state", e);
            }
        }
        enabled = on;
    }
}
