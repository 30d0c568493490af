package dev.photosidecar.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.disk.DiskFull;
import dev.photosidecar.ledger.LedgerErrors;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renders every error the same way: {@code {"error":{"code":…,"message":…}}}, never a stack trace, and the code
 * again in the {@code X-Error-Code} header for apps that read headers but not bodies (iOS 26.4+).
 */
public final class ErrorResponses {
    // Logged under the server's name (routes/HttpApi, which this package must not import), as these lines always were.
    private static final Logger log = LoggerFactory.getLogger("dev.photosidecar.http.routes.HttpApi");
    /** The stable error code of an error answer, as a header. */
    static final String ERROR_CODE_HEADER = "X-Error-Code";

    private ErrorResponses() {
    }

    static Map<String, Object> body(ErrorCode code, String message, Map<String, Object> details) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.name());
        error.put("message", message);
        if (!details.isEmpty()) {
            error.put("details", details);
        }
        return Map.of("error", error);
    }

    /**
     * Answers any failure a handler threw: a {@link Problem} or a typed storage error as {@link StorageErrors} maps
     * it; a full disk anywhere below (a spool write, an fsync, a ledger insert) as 507, which the client may retry;
     * anything else as a 500 that names nothing internal, with the details in the log.
     */
    public static void sendFailure(Context ctx, Exception e) {
        send(ctx, StorageErrors.answerFor(e).orElseGet(() -> unexpected(ctx, e)));
    }

    private static Problem unexpected(Context ctx, Exception e) {
        if (DiskFull.causedBy(e, LedgerErrors::diskFull)) {
            log.warn("The data folder's disk is full ({} {}): {}", ctx.method(), ctx.path(), e.getMessage());
            return new Problem(ErrorCode.INSUFFICIENT_STORAGE, "the sidecar's disk is full; nothing was changed, try again later");
        }
        log.error("Unexpected error in {} {}", ctx.method(), ctx.path(), e);
        return new Problem(ErrorCode.INTERNAL_ERROR, "internal error; the sidecar's log has the details");
    }

    public static void send(Context ctx, Problem p) {
        // A limiter that knows when the client may come back says so in the problem's details.
        Object exact = p.details().get(DeviceLimits.RETRY_AFTER_DETAIL);
        java.util.Optional<Integer> wait = exact instanceof Integer s ? java.util.Optional.of(s) : retryAfter(p.code());
        wait.ifPresent(s -> ctx.header("Retry-After", String.valueOf(s)));
        if (p.code() == ErrorCode.UNAUTHORIZED) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"photo-sidecar\"");
        }
        if (p.code() == ErrorCode.INVALID_CREDENTIALS) {
            ctx.header("WWW-Authenticate", "Basic realm=\"photo-sidecar enrollment\", charset=\"UTF-8\"");
        }
        if (p instanceof KeyConflict conflict) {
            UploadReceipt.put(ctx, conflict.existing());
        }
        ctx.header(ERROR_CODE_HEADER, p.code().name());
        drainSmallBody(ctx);
        ctx.status(p.code().status()).json(body(p.code(), p.getMessage(), p.details()));
    }

    /** Request bodies up to this size are read to their end before an error answer goes out. */
    static final long DRAIN_LIMIT = 1024 * 1024;

    /**
     * Reads what is left of a small request body before answering with an error. A request refused before
     * its body was read (a bad header, an unknown checksum algorithm) leaves bytes the server never reads;
     * closing a connection with unread bytes makes the kernel send a reset, which can destroy the answer
     * before a client that is still sending reads it, so the client sees a dead connection instead of the
     * error. Larger bodies are not read: Jetty closes their connection, as it should.
     */
    private static void drainSmallBody(Context ctx) {
        long declared = ctx.req().getContentLengthLong();
        if (declared <= 0 || declared > DRAIN_LIMIT) {
            return;
        }
        try {
            java.io.InputStream in = ctx.req().getInputStream();
            byte[] buf = new byte[16 * 1024];
            long left = declared;
            int n;
            while (left > 0 && (n = in.read(buf, 0, (int) Math.min(buf.length, left))) >= 0) {
                left -= n;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // The body broke off, timed out or was read already: there is nothing left to keep the answer from.
        }
    }

    static java.util.Optional<Integer> retryAfter(ErrorCode code) {
        return switch (code) {
            case SHUTTING_DOWN -> java.util.Optional.of(UploadGate.RETRY_AFTER_SHUTDOWN_SECONDS);
            case OVERLOADED, NOT_READY, NOT_LIVE, TOO_MANY_UPLOADS, TOO_MANY_BYTES_IN_FLIGHT ->
                    java.util.Optional.of(UploadGate.RETRY_AFTER_OVERLOADED_SECONDS);
            case TOO_MANY_UNFINISHED_UPLOADS -> java.util.Optional.of(60);
            case RATE_LIMITED -> java.util.Optional.of(1);
            case APP_DISABLED -> java.util.Optional.of(300);
            case INSUFFICIENT_STORAGE -> java.util.Optional.of(300);
            case TOO_MANY_ATTEMPTS -> java.util.Optional.of((int) EnrollmentController.ATTEMPT_WINDOW.toSeconds());
            default -> java.util.Optional.empty();
        };
    }

    /** The code for an HTTP status produced below the API (Jetty's parser, unmatched routes). */
    static ErrorCode forStatus(int status) {
        return switch (status) {
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 404 -> ErrorCode.NOT_FOUND;
            case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
            case 413 -> ErrorCode.REQUEST_TOO_LARGE;
            case 414, 431 -> ErrorCode.HEADERS_TOO_LARGE;
            case 503 -> ErrorCode.NOT_READY;
            default -> status >= 500 ? ErrorCode.INTERNAL_ERROR : ErrorCode.BAD_REQUEST;
        };
    }

    static String json(ObjectMapper mapper, ErrorCode code, String message) {
        try {
            return mapper.writeValueAsString(body(code, message, Map.of()));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return "{\"error\":{\"code\":\"" + code.name() + "\",\"message\":\"\"}}";
        }
    }
}
