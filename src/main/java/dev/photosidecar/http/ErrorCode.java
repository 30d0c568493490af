package dev.photosidecar.http;

/**
 * The stable error codes of the device-facing API, each with the HTTP status it is sent with.
 * This table is the only place that decides which status a failure gets; codes never change
 * meaning once published (clients and phones switch on them).
 */
public enum ErrorCode {
    INVALID_KEY(400),
    INVALID_FILENAME(400),
    INVALID_RESOURCE_TYPE(400),
    INVALID_CREATED_AT(400),
    INVALID_ASSET_ID(400),
    INVALID_CONTENT_TYPE(400),
    INVALID_DIGEST(400),
    DIGEST_MISMATCH(400),
    CONTENT_LENGTH_MISMATCH(400),
    INVALID_JSON(400),
    INVALID_UPLOAD_HEADER(400),
    /** A request that says more will follow ({@code Upload-Complete: ?0}) where no resumable upload can be made. */
    PARTIAL_UPLOAD_REFUSED(400),
    /** An append to a resumable upload that is complete already (the draft's "completed-upload" problem). */
    UPLOAD_ALREADY_COMPLETE(400),
    INVALID_PARAMETER(400),
    TOO_MANY_ITEMS(400),
    BAD_REQUEST(400),
    UNAUTHORIZED(401),
    INVALID_CREDENTIALS(401),
    JOB_NOT_FOUND(404),
    UPLOAD_NOT_FOUND(404),
    LOGIN_NOT_FOUND(404),
    NOT_FOUND(404),
    /** An AppAPI call ({@code /heartbeat}, {@code /init}, …) to a sidecar that holds no ExApp registration. */
    EXAPP_NOT_REGISTERED(404),
    METHOD_NOT_ALLOWED(405),
    KEY_CONFLICT(409),
    INVALID_STATE(409),
    OFFSET_MISMATCH(409),
    UNSUPPORTED_PROTOCOL_VERSION(412),
    UPLOAD_TOO_LARGE(413),
    REQUEST_TOO_LARGE(413),
    UNSUPPORTED_MEDIA_TYPE(415),
    UPLOAD_LOCKED(423),
    TOO_MANY_ATTEMPTS(429),
    /** One device already has its share of uploads running ({@code max_uploads_per_device}). */
    TOO_MANY_UPLOADS(429),
    /** One device sends requests faster than {@code device_request_rate} after its burst is used up. */
    RATE_LIMITED(429),
    /** One device's running uploads already announce {@code max_bytes_in_flight_per_device} bytes still to come. */
    TOO_MANY_BYTES_IN_FLIGHT(429),
    /** One device already has {@code max_unfinished_uploads_per_device} resumable uploads it has not finished. */
    TOO_MANY_UNFINISHED_UPLOADS(429),
    HEADERS_TOO_LARGE(431),
    CHECKSUM_MISMATCH(460),
    INTERNAL_ERROR(500),
    ENROLLMENT_UNAVAILABLE(501),
    /** The operator switched resumable uploads off ({@code SIDECAR_RESUMABLE=off}). */
    RESUMABLE_DISABLED(501),
    HOST_UNAVAILABLE(502),
    /** The host answered a Login Flow with a URL on another origin, or not http(s): nobody is sent there. */
    UNTRUSTED_HOST_ANSWER(502),
    SHUTTING_DOWN(503),
    APP_DISABLED(503),
    OVERLOADED(503),
    NOT_READY(503),
    /** {@code /healthz}: a part that only a restart brings back has stopped (the delivery dispatcher, the lease keeper). */
    NOT_LIVE(503),
    INSUFFICIENT_STORAGE(507);

    private final int status;

    ErrorCode(int status) {
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** Whether a client may send the same request again later and expect it to work. */
    public boolean isTransient() {
        return status == 503 || status == 507 || status == 502 || status == 429;
    }
}
