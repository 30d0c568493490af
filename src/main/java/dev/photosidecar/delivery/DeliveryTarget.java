package dev.photosidecar.delivery;

/**
 * A place uploads are delivered to (a local folder, a WebDAV host, Nextcloud). Implementations write
 * without ever overwriting a different file, verify what they wrote, and classify their failures.
 * They must be safe to call from several workers at once.
 */
public interface DeliveryTarget {
    /** A short name for logs and readiness ("local", "webdav"). */
    String name();

    /** Lands the file and verifies it; idempotent for the same job (a redelivery finds its own file). */
    Delivered deliver(DeliveryRequest request) throws DeliveryFailure;

    /** A job was withdrawn before delivery: remove whatever partial state the host holds for it. */
    default void discard(dev.photosidecar.ledger.Job job) {
    }

    /** Whether the target answers right now; the text says what is wrong when it does not. */
    Health health();

    /** The result of a readiness probe. */
    record Health(boolean ok, String detail) {
    }
}
