package dev.photosidecar.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * Whether Nextcloud has the sidecar's ExApp enabled, as Nextcloud last told it ({@code PUT /enabled}). The state
 * survives restarts ({@code {data}/exapp-enabled}), and {@code photo-sidecar nextcloud register} reads it to learn
 * whether the sidecar was really enabled. {@link ExAppLink} decides what it means for uploads and deliveries.
 *
 * <p>Replicas behind one balancer get Nextcloud's call on one of them only; on a shared ledger the state is also
 * kept there ({@link Shared}), and every replica follows it within {@link #SHARED_REREAD}.
 */
public final class ExAppSwitch {
    /** How long a replica acts on the shared state it last read: a disable reaches every replica within this. */
    public static final Duration SHARED_REREAD = Duration.ofSeconds(2);

    /** The state where every replica reads it (the shared ledger). */
    public interface Shared {
        /** What is recorded, if anything. */
        Optional<Boolean> read();

        void write(boolean on);
    }

    private final Path file;
    private final Optional<Shared> shared;
    private final Clock clock;
    private volatile boolean enabled;
    private volatile long readAtMillis;

    private ExAppSwitch(Path file, boolean enabled, Optional<Shared> shared, Clock clock) {
        this.file = file;
        this.enabled = enabled;
        this.shared = shared;
        this.clock = clock;
        this.readAtMillis = clock.millis();
    }

    /** Where the state is kept in a data folder. */
    public static Path file(Path dataDir) {
        return dataDir.resolve("exapp-enabled");
    }

    /** The recorded state; off when nothing is recorded (an ExApp starts disabled until Nextcloud enables it). */
    public static ExAppSwitch forExApp(Path dataDir) {
        return new ExAppSwitch(file(dataDir), recorded(dataDir), Optional.empty(), Clock.systemUTC());
    }

    /**
     * The state replicas share: what the shared ledger records, or this data folder's state when it records none
     * yet (the first replica of a sidecar that ran alone before).
     */
    public static ExAppSwitch forReplica(Path dataDir, Shared shared, Clock clock) {
        boolean on = shared.read().orElseGet(() -> recorded(dataDir));
        return new ExAppSwitch(file(dataDir), on, Optional.of(shared), clock);
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
        if (shared.isPresent() && clock.millis() - readAtMillis >= SHARED_REREAD.toMillis()) {
            reread(shared.get());
        }
        return enabled;
    }

    private synchronized void reread(Shared from) {
        if (clock.millis() - readAtMillis < SHARED_REREAD.toMillis()) {
            return;
        }
        enabled = from.read().orElse(enabled);
        readAtMillis = clock.millis();
    }

    public synchronized void set(boolean on) {
        try {
            Path temp = file.resolveSibling(file.getFileName() + ".new");
            Files.writeString(temp, Boolean.toString(on));
            Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record the ExApp's enabled state", e);
        }
        shared.ifPresent(s -> s.write(on));
        enabled = on;
        readAtMillis = clock.millis();
    }
}
