package dev.photosidecar.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Whether Nextcloud has the sidecar's ExApp enabled, as Nextcloud last told it ({@code PUT /enabled}). The state
 * survives restarts ({@code {data}/exapp-enabled}), and {@code photo-sidecar nextcloud register} reads it to learn
 * whether the sidecar was really enabled. {@link ExAppLink} decides what it means for uploads and deliveries.
 */
public final class ExAppSwitch {
    private final Path file;
    private volatile boolean enabled;

    private ExAppSwitch(Path file, boolean enabled) {
        this.file = file;
        this.enabled = enabled;
    }

    /** Where the state is kept in a data folder. */
    public static Path file(Path dataDir) {
        return dataDir.resolve("exapp-enabled");
    }

    /** The recorded state; off when nothing is recorded (an ExApp starts disabled until Nextcloud enables it). */
    public static ExAppSwitch forExApp(Path dataDir) {
        return new ExAppSwitch(file(dataDir), recorded(dataDir));
    }

    /** What the data folder records, without holding a switch: true only once Nextcloud enabled the app. */
    public static boolean recorded(Path dataDir) {
        try {
            return Files.readString(file(dataDir)).trim().equals("true");
        } catch (IOException missingOrUnreadable) {
            return false;
        }
    }

    public boolean isEnabled() {
        return enabled;
    }

    public synchronized void set(boolean on) {
        try {
            Path temp = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(temp, Boolean.toString(on));
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the ExApp's enabled state", e);
        }
        enabled = on;
    }
}
