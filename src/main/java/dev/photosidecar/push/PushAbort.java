package dev.photosidecar.push;

/**
 * The push cannot go on at all: the server cannot be reached, refuses the token, or does not speak the
 * API. The message says what to do; the command exits with status 2.
 */
public final class PushAbort extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public PushAbort(String message) {
        super(message);
    }
}
