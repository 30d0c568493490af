package dev.photosidecar.server;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.SharedState;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this process's secret key is the one the ledger was last used with, by the key's fingerprint recorded in
 * the ledger. Two keys on one ledger split it: passwords stored through one replica would not open on another, nor
 * admin sessions. {@link SecretKeyGap} catches a key file that is gone; this catches a key that is there but
 * different (another replica's own secret.key, a key restored from the wrong backup, a mistyped SIDECAR_SECRET_KEY).
 *
 * <p>A key change is harmless, and is simply recorded, only on a ledger that one process uses and that holds no
 * sealed password. Otherwise start-up refuses unless the operator passes {@link SecretKeyGap#ACCEPT_FLAG}.
 */
public final class SecretKeyFingerprint {
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private SecretKeyFingerprint() {
    }

    /** The refusal, or empty when the key is the recorded one (recording it when none is, or when a change is harmless). */
    public static Optional<DataGap> problem(Ledger ledger, SecretBox box) {
        String mine = box.fingerprint();
        String recorded = ledger.sharedState().putIfAbsent(SharedState.SECRET_KEY_FINGERPRINT, mine);
        if (recorded.equals(mine)) {
            return Optional.empty();
        }
        List<String> sealed = ledger.usersWithStoredCredentials();
        if (!ledger.shared() && sealed.isEmpty()) {
            adopt(ledger, box);
            log.info("The secret key changed; no stored password depended on the old one");
            return Optional.empty();
        }
        if (ledger.shared()) {
            return Optional.of(new DataGap("The secret key (SIDECAR_SECRET_KEY, or secret.key in the data folder) is not the"
                    + " one the other sidecars on this shared ledger use: passwords stored and admin sessions opened through"
                    + " one would not open on the other", "Give every replica the same SIDECAR_SECRET_KEY (docs/scale-out.md);"
                    + " to replace the key on purpose, stop every replica, start one with photo-sidecar serve "
                    + SecretKeyGap.ACCEPT_FLAG + ", then start the others with the new key"));
        }
        String shown = String.join(", ", sealed.size() <= 10 ? sealed : sealed.subList(0, 10)) + (sealed.size() > 10 ? ", …" : "");
        return Optional.of(new DataGap("The secret key (SIDECAR_SECRET_KEY, or secret.key in the data folder) is not the"
                + " one the ledger's " + sealed.size() + " stored password(s) were sealed with (users " + shown + ")",
                "Restore secret.key (mode 0600) from the same backup as the ledger, or set SIDECAR_SECRET_KEY to the key"
                + " they were sealed with; to go on without them, run photo-sidecar serve " + SecretKeyGap.ACCEPT_FLAG
                + " once: those users' deliveries wait until their passwords are stored again"
                + " (photo-sidecar user set-password USER)"));
    }

    /** Records this key as the ledger's key, after the operator accepted the change. */
    public static void adopt(Ledger ledger, SecretBox box) {
        ledger.sharedState().put(SharedState.SECRET_KEY_FINGERPRINT, box.fingerprint());
    }
}
