package dev.photosidecar.push;

import java.util.Optional;
import java.util.Set;

/**
 * A job {@code push --wait} follows until it is delivered or has failed.
 *
 * @param id the job's id; empty until looked up by key (for files an earlier run uploaded)
 */
public record WatchedJob(String file, String key, Optional<String> id, String state, Optional<String> lastError) {
    private static final Set<String> WAITING = Set.of("receiving", "pending", "delivering");

    /** Still on its way: receiving, pending or delivering. */
    public boolean waiting() {
        return WAITING.contains(state);
    }

    /** Delivered and verified, or failed: the two states a device acknowledges. */
    public boolean acknowledgeable() {
        return state.equals("succeeded") || state.equals("failed");
    }
}
