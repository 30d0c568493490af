package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import io.javalin.http.Context;
import java.util.Collections;
import java.util.Map;

/**
 * Refuses an upload that sends one of its single-valued headers more than once. Two {@code X-Filename}
 * lines could be read differently by a proxy, a log and this server; the API reads exactly one, so two
 * are a client error, not a choice to make silently. The same goes for a body framed two ways at once.
 */
final class SingleValuedHeaders {
    private static final Map<String, ErrorCode> HEADERS = Map.of(
            "Authorization", ErrorCode.UNAUTHORIZED,
            "X-Filename", ErrorCode.INVALID_FILENAME,
            "X-Resource-Type", ErrorCode.INVALID_RESOURCE_TYPE,
            "X-Created-At", ErrorCode.INVALID_CREATED_AT,
            "X-Asset-Id", ErrorCode.INVALID_ASSET_ID,
            "Content-Type", ErrorCode.INVALID_CONTENT_TYPE,
            "Content-Digest", ErrorCode.INVALID_DIGEST,
            "Repr-Digest", ErrorCode.INVALID_DIGEST);

    private SingleValuedHeaders() {
    }

    static void require(Context ctx) {
        String coding = ctx.req().getHeader("Transfer-Encoding");
        if (coding != null && !coding.strip().equalsIgnoreCase("chunked")) {
            // "gzip, chunked" would be stored still compressed: the photo's bytes are only ever taken as sent.
            ctx.header("Connection", "close");
            throw new Problem(ErrorCode.BAD_REQUEST, "Transfer-Encoding '" + UploadKey.printable(coding)
                    + "' is not supported; send the body as is, or chunked");
        }
        if (ctx.req().getHeader("Transfer-Encoding") != null && ctx.req().getHeader("Content-Length") != null) {
            // RFC 9112 6.1: both together "ought to be handled as an error"; it is how requests are smuggled.
            ctx.header("Connection", "close");
            throw new Problem(ErrorCode.BAD_REQUEST, "Content-Length and Transfer-Encoding were both sent; send one of them");
        }
        HEADERS.forEach((name, code) -> {
            int n = Collections.list(ctx.req().getHeaders(name)).size();
            if (n > 1) {
                throw new Problem(code, name + " was sent " + n + " times; send it once");
            }
        });
    }
}
