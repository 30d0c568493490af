package dev.photosidecar.http;

import java.util.Map;

/**
 * A failure that is the caller's business: it carries a stable {@link ErrorCode} and a message
 * that names the problem, and is rendered to clients as
 * {@code {"error":{"code":…,"message":…}}}. Anything else thrown is an internal error.
 */
public class Problem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final transient Map<String, Object> details;

    public Problem(ErrorCode code, String message) {
        this(code, message, Map.of());
    }

    public Problem(ErrorCode code, String message, Map<String, Object> details) {
        super(message, null, false, false);
        this.code = code;
        this.details = Map.copyOf(details);
    }

    public ErrorCode code() {
        return code;
    }

    /** Extra machine-readable facts (e.g. the ids in the wrong state); empty for most problems. */
    public Map<String, Object> details() {
        return details;
    }
}
