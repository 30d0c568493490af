package dev.photosidecar.spool;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an arriving body in whole buffers. An HTTP server hands a body over in the pieces it read from the socket
 * (a few KiB each); the spool hashes and writes whole buffers instead, so a photo costs a few file writes, not a
 * hundred. A read that fails after part of a buffer arrived returns that part first and throws on the next call,
 * so bytes that arrived are never dropped on the floor.
 */
final class BodyReads {
    private final InputStream body;
    private IOException pending;

    BodyReads(InputStream body) {
        this.body = body;
    }

    /** Fills {@code buf} from the start until it is full or the body ends; -1 at the end of the body. */
    int fill(byte[] buf) throws IOException {
        if (pending != null) {
            IOException e = pending;
            pending = null;
            throw e;
        }
        int filled = 0;
        while (filled < buf.length) {
            int n;
            try {
                n = body.read(buf, filled, buf.length - filled);
            } catch (IOException e) {
                if (filled == 0) {
                    throw e;
                }
                pending = e;
                return filled;
            }
            if (n < 0) {
                break;
            }
            filled += n;
        }
        return filled == 0 ? -1 : filled;
    }
}
