package dev.photosidecar.delivery;

/** What a failed delivery attempt means for its job, and for everything else waiting on the same host. */
public enum FailureKind {
    /** Worth trying again later; the attempt counts against the job's budget. */
    RETRYABLE(true, true),
    /** Trying again cannot help (a refused name, a lost spool copy): the job fails now. */
    PERMANENT(false, true),
    /** The host is down or overloaded, not the job at fault: pause the whole host, spend no attempt. */
    HOST_UNAVAILABLE(true, false),
    /** The host refuses this user (credentials, quota): pause the user's deliveries, spend no attempt. */
    USER_BLOCKED(true, false);

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
