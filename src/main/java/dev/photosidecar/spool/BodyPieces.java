package dev.photosidecar.spool;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/**
 * A body as its server hands it over: buffers in order, each readable until the next call. An HTTP server that
 * reads a socket into buffers of its own can lend them here (the device API's uploads, {@code http/RequestPieces}),
 * and the spool writes them to the file as they are, with no copy into an array of its own; a plain stream is read
 * through {@link #of(InputStream)}.
 */
public interface BodyPieces extends AutoCloseable {
    /**
     * The next piece of the body, or {@code null} at its end. The spool reads it (position to limit) before it asks
     * for the next; what it leaves unread is dropped. A read that fails after some bytes arrived returns those first,
     * so bytes that arrived are never dropped on the floor. An empty piece says that nothing more has arrived yet:
     * the spool then writes what it has gathered, so a body that pauses is on disk as far as it came.
     */
    ByteBuffer next() throws IOException;

    /** Gives back the piece still lent, if any. */
    @Override
    void close();

    /**
     * Keeps the piece last returned by {@link #next} as it is past the following calls, until the returned handle is
     * run (exactly once); {@code null} where this source reads every piece into the same buffer, which the caller
     * must then copy to keep. The large-body hash reads a kept piece on its own thread (spool/HashBeside).
     */
    default Runnable keepLast() {
        return null;
    }

    /** {@code body} in whole 64 KiB pieces ({@link BodyReads}). */
    static BodyPieces of(InputStream body) {
        BodyReads reads = new BodyReads(body);
        byte[] buf = new byte[64 * 1024];
        return new BodyPieces() {
            @Override
            public ByteBuffer next() throws IOException {
                int n = reads.fill(buf);
                return n < 0 ? null : ByteBuffer.wrap(buf, 0, n);
            }

            @Override
            public void close() {
            }
        };
    }
}
