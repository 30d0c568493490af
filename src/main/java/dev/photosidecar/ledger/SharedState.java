package dev.photosidecar.ledger;

import java.util.Optional;

/**
 * Small named values every process using the ledger must agree on (the secret key's fingerprint, whether Nextcloud
 * has the ExApp enabled). Kept in the ledger because it is the one thing all replicas share; a value here is read
 * by each replica, never copied into its data folder.
 */
public interface SharedState {
    /** The secret key's fingerprint ({@code config.SecretBox#fingerprint}). */
    String SECRET_KEY_FINGERPRINT = "secret_key.fingerprint";
    /** "true" once Nextcloud enabled the ExApp, "false" when it disabled it or a new registration starts. */
    String EXAPP_ENABLED = "exapp.enabled";

    Optional<String> get(String name);

    /** Records {@code value} under {@code name}, replacing what was there. */
    void put(String name, String value);

    /**
     * Records {@code value} only when nothing is recorded under {@code name}, and answers what is recorded afterwards:
     * {@code value} for the first process to ask, the earlier value for every later one (two replicas starting at
     * once agree on one).
     */
    String putIfAbsent(String name, String value);
}
