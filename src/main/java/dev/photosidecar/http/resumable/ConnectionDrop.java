package dev.photosidecar.http.resumable;

import io.javalin.http.Context;
import java.io.IOException;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * Ends a request by dropping its connection instead of answering it. iOS's URLSession resumes an upload it was
 * told about (104) after a dropped connection, but gives up after a 5xx answer: a failure on the sidecar's side
 * in the middle of such an upload is therefore not answered, so that the phone asks for the offset and resumes.
 */
final class ConnectionDrop {
    private ConnectionDrop() {
    }

    static void now(Context ctx, String why) {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        if (request != null) {
            request.getConnectionMetaData().getConnection().getEndPoint().close(new IOException(why));
        }
    }
}
