package dev.photosidecar.server;

import dev.photosidecar.ledger.Ledger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Whether the key that sealed the stored passwords is there. {@code secret.key} missing (and no
 * {@code SIDECAR_SECRET_KEY}) while the ledger holds sealed passwords means a new key would be made that opens
 * none of them: start-up refuses instead, naming the file, the users and the fix.
 */
public final class SecretKeyGap {
    /** The flag that accepts the gap: a new key is made and those users set their passwords again. */
    public static final String ACCEPT_FLAG = "--accept-new-secret-key";

    private SecretKeyGap() {
    }

    /** The users whose sealed password no key could open, or none. */
    public static List<String> strandedUsers(Ledger ledger, Optional<String> configuredKey, Path dataDir) {
        if (configuredKey.isPresent() || Files.exists(keyFile(dataDir))) {
            return List.of();
        }
        return ledger.usersWithStoredCredentials();
    }

    /** The refusal, or empty when the key is there or nothing is sealed. */
    public static Optional<DataGap> problem(Ledger ledger, Optional<String> configuredKey, Path dataDir) {
        List<String> users = strandedUsers(ledger, configuredKey, dataDir);
        if (users.isEmpty()) {
            return Optional.empty();
        }
        String shown = String.join(", ", users.size() <= 10 ? users : users.subList(0, 10)) + (users.size() > 10 ? ", …" : "");
        return Optional.of(new DataGap(keyFile(dataDir) + " is missing, but the ledger holds " + users.size()
                + " password(s) sealed with it (users " + shown + ") that no new key can open", "Restore secret.key (mode 0600)"
                + " from your backup, or set SIDECAR_SECRET_KEY to the key they were sealed with; to go on without them, run"
                + " photo-sidecar serve " + ACCEPT_FLAG + " once: a new key is made, and those users' deliveries wait until"
                + " their passwords are stored again (photo-sidecar user set-password USER)"));
    }

    static Path keyFile(Path dataDir) {
        return dataDir.resolve("secret.key");
    }
}
