package dev.photosidecar.delivery;

/** What a failed delivery attempt means for its job. */
public enum FailureKind {
    /** Worth trying again later; the attempt counts against the job's budget. */
    RETRYABLE(true, true),
    /** Trying again cannot help (a refused name, a lost spool copy): the job fails now. */
    PERMANENT(false, true),
    /** The host is down, not the job at fault: wait and try again without spending an attempt. */
    HOST_UNAVAILABLE(true, false);

    private final boolean retryable;
    private final boolean spendsAttempt;

    FailureKind(boolean retryable, boolean spendsAttempt) {
        this.retryable = retryable;
        this.spendsAttempt = spendsAttempt;
    }

    public boolean isRetryable() {
        return retryable;
    }

    public boolean spendsAttempt() {
        return spendsAttempt;
    }
}
