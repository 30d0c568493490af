package dev.photosidecar.ledger;

/**
 * Why a delivery attempt failed, as a stable code: kept beside the human text of a job's last error (the
 * {@code last_error_code} column) and tagged on the delivery metrics. The text is for people and the device API
 * and may change; these names are for machines and do not. WebDAV failures' texts start with their code.
 */
public enum FailureCode {
    // ---- the host and the way to it ----
    /** The host cannot be reached, went away, or answered 503/429: deliveries pause. */
    HOST_UNAVAILABLE,
    /** Nextcloud is in maintenance mode: deliveries pause. */
    HOST_MAINTENANCE,
    /** The host answered with a 5xx error other than 503. */
    HOST_ERROR,
    /** The host stopped answering within the socket timeout. */
    TIMEOUT,
    /** The connection failed (reset, closed) while the host still accepts new ones. */
    CONNECTION_FAILED,
    /** The attempt ran past its deadline (a host that trickles). */
    DEADLINE,
    /** The request was interrupted (the sidecar stopping, mostly). */
    INTERRUPTED,
    /** The host answered with a redirect, which is never followed. */
    REDIRECTED,
    /** The host's answer was larger than its bound. */
    ANSWER_TOO_LARGE,
    /** The host answered 423 Locked. */
    LOCKED,
    /** A folder vanished or a file stands where a folder must go (404, 409). */
    PATH_CONFLICT,
    /** The host refuses this one name or folder (403) but accepts the account. */
    FORBIDDEN,
    /** The host refused the request for good (400, 405, 414, 415, 422, other 4xx). */
    REFUSED,
    /** The host rejects the user's credentials (401, or 403 on the user's root): the user pauses. */
    CREDENTIALS_REJECTED,
    /** The user's stored credentials cannot be read (a changed secret key): the user pauses. */
    CREDENTIALS_UNREADABLE,
    /** The user's storage on the host is full (507): the user pauses. */
    QUOTA_EXCEEDED,
    /** The host keeps saying a parent folder is missing. */
    FOLDER_FAILED,
    /** Nextcloud could not assemble a chunked upload from its chunks. */
    CHUNKS_LOST,
    /** The host received other bytes than the upload's (its SHA-256, or a read-back). */
    HASH_MISMATCH,

    // ---- the landed file and the library ----
    /** The landed file is missing, has the wrong size, or other bytes. */
    VERIFY_FAILED,
    /** The rendered path would lead outside the user's folder. */
    PATH_OUTSIDE_ROOT,
    /** The job's path cannot be made: a segment longer than a file system allows, a name the target refuses. */
    PATH_INVALID,
    /** A file name (with its copy number) is longer than a file system allows. */
    NAME_TOO_LONG,
    /** Ten thousand different files already have the name. */
    TOO_MANY_COPIES,
    /** Writing into the library failed (an I/O error, a folder that vanished). */
    WRITE_FAILED,
    /** The library refuses to be written to. */
    PERMISSION_DENIED,

    // ---- the spool copy and the sidecar itself ----
    /** The job's spool copy is gone. */
    SPOOL_COPY_MISSING,
    /** The job's spool copy no longer has the upload's size or SHA-256. */
    SPOOL_COPY_DAMAGED,
    /** The delivery stopped with an Error (an OutOfMemoryError), or before its outcome was recorded. */
    INTERNAL_ERROR,
    /** An exception no part of the delivery expected. */
    UNEXPECTED_ERROR
}
