package dev.photosidecar.http;

import dev.photosidecar.spool.BodyPieces;
import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.Blocker;

/**
 * An upload's body in the buffers Jetty read it into from the socket, lent to the spool one at a time
 * ({@link BodyPieces}). The servlet stream would copy each into an array first, and the file channel would copy that
 * array again into a buffer of its own before writing: two copies of every byte, which for a video were a third of
 * the request thread's time (docs/performance.md, issue 17). Only for a body nothing has read through the servlet
 * stream yet: both read the same source, and the stream keeps no bytes of its own until it is used.
 */
final class RequestPieces implements BodyPieces {
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);
    private final Request source;
    private Content.Chunk lent;
    private boolean ended;
    /** Whether the spool was told, since the last piece, that nothing more has arrived yet. */
    private boolean caughtUp;

    private RequestPieces(Request source) {
        this.source = source;
    }

    /** The body of {@code ctx}'s request, from Jetty's buffers where it can, else through the servlet stream. */
    static BodyPieces of(Context ctx) throws IOException {
        ServletContextRequest request = ServletContextRequest.getServletContextRequest(ctx.req());
        return request == null ? BodyPieces.of(ctx.req().getInputStream()) : new RequestPieces(request);
    }

    @Override
    public ByteBuffer next() throws IOException {
        giveBack();
        while (!ended) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                if (!caughtUp) {
                    caughtUp = true;
                    return EMPTY; // everything that arrived is handed over: the spool writes what it gathered
                }
                awaitMore();
                continue;
            }
            caughtUp = false;
            if (Content.Chunk.isFailure(chunk)) {
                ended = chunk.isLast();
                Throwable failure = chunk.getFailure();
                throw failure instanceof IOException io ? io : new IOException(failure);
            }
            ended = chunk.isLast();
            if (chunk.hasRemaining()) {
                lent = chunk;
                return chunk.getByteBuffer();
            }
            chunk.release();
        }
        return null;
    }

    @Override
    public void close() {
        giveBack();
    }

    /** One more reference to the lent chunk: Jetty reuses its buffer only once both are released. */
    @Override
    public Runnable keepLast() {
        Content.Chunk chunk = lent;
        if (chunk == null || !chunk.canRetain()) {
            return null;
        }
        chunk.retain();
        return chunk::release;
    }

    private void giveBack() {
        if (lent != null) {
            lent.release();
            lent = null;
        }
    }

    /** Blocks this request's thread until Jetty has more of the body (or a failure, such as the idle timeout). */
    private void awaitMore() throws IOException {
        try (Blocker.Runnable more = Blocker.runnable()) {
            source.demand(more);
            more.block();
        }
    }
}
