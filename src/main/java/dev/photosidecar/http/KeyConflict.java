package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.Job;
import java.util.Map;

/** {@code 409 KEY_CONFLICT}: the key is held by a job with other bytes; the answer carries that job's receipt. */
public final class KeyConflict extends Problem {
    private static final long serialVersionUID = 1L;

    private final transient Job existing;

    public KeyConflict(Job existing) {
        super(ErrorCode.KEY_CONFLICT, "key " + existing.key() + " was already received with different content ("
                + existing.size() + " bytes, SHA-256 " + existing.sha256() + ")", Map.of("jobId", existing.id()));
        this.existing = existing;
    }

    /** The job that holds the key. */
    public Job existing() {
        return existing;
    }
}
