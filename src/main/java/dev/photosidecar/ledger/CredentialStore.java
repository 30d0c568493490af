package dev.photosidecar.ledger;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Per-user credentials for the delivery host, kept in the ledger sealed (the implementation is handed the
 * {@code SecretBox} that seals them). The password is never returned by listings and never logged.
 */
public interface CredentialStore {
    /** What an operator may see about a user's stored credentials. */
    record Entry(String userId, String login, Instant updatedAt) {
    }

    /** Stores (or replaces) the user's login and password; refuses a bad user id, login or an empty password. */
    void set(String userId, String login, String password);

    Optional<Credentials> find(String userId);

    /** When the user's credentials last changed (0 if they have none): a changed value ends a pause. */
    long version(String userId);

    List<Entry> list();

    boolean remove(String userId);
}
