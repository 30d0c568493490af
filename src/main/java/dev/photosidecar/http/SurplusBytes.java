package dev.photosidecar.http;

import io.javalin.http.Context;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.server.internal.HttpConnection;

/**
 * Detects bytes that arrived after the body's Content-Length on an HTTP/1.1 connection, before the
 * response went out. A client that waits for its answer (every phone and script; uploads are never
 * pipelined in practice) has sent nothing more by then, so such bytes mean the Content-Length lied and
 * the body is not what the client meant to send.
 *
 * <p>Best effort: bytes still in flight are not seen. A digest header is what guarantees the body.
 */
final class SurplusBytes {
    private SurplusBytes() {
    }

    static boolean present(Context ctx) {
        try {
            ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
            if (request != null && request.getConnectionMetaData().getConnection() instanceof HttpConnection http) {
                return !http.isRequestBufferEmpty();
            }
        } catch (RuntimeException | LinkageError e) {
            // Another connector (HTTP/2, a future Jetty): nothing to look at.
        }
        return false;
    }
}
