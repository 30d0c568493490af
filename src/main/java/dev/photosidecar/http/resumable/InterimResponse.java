package dev.photosidecar.http.resumable;

import io.javalin.http.Context;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.http.HttpVersion;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a 1xx interim response with headers before the request body is read.
 *
 * <p>The servlet API has no call for it, and Jetty 12's core {@code Response.writeInterim} reaches the wire
 * without its headers for any 1xx but 103 (its HTTP/1.1 generator writes headers only for Early Hints), so a
 * 104 would lose its {@code Location}. The interim response is therefore written on the connection's
 * endpoint itself, as the bytes HTTP/1.1 defines. That is safe at this point: the final response is not
 * committed, so nothing else writes to the connection, and over TLS the endpoint is the decrypted one, so
 * the bytes are encrypted like any others. HTTP/1.0 clients get no interim response.
 */
final class InterimResponse {
    private static final Logger log = LoggerFactory.getLogger(InterimResponse.class);

    private InterimResponse() {
    }

    /** Sends {@code status reason} with {@code headers}; false if the connection cannot carry it. */
    static boolean send(Context ctx, int status, String reason, Map<String, String> headers) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request == null || request.getConnectionMetaData().getHttpVersion() != HttpVersion.HTTP_1_1
                || request.getServletContextResponse().isCommitted()) {
            return false;
        }
        StringBuilder head = new StringBuilder("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
        headers.forEach((name, value) -> {
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + name + " must be one line");
            }
            head.append(name).append(": ").append(value).append("\r\n");
        });
        head.append("\r\n");
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        FutureCallback written = new FutureCallback();
        endPoint.write(written, ByteBuffer.wrap(head.toString().getBytes(StandardCharsets.ISO_8859_1)));
        try {
            written.get(30, TimeUnit.SECONDS);
            return true;
        } catch (ExecutionException | TimeoutException e) {
            log.debug("Could not send {} to {}: {}", status, ctx.req().getRemoteAddr(), e.toString());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
