package dev.photosidecar.http.resumable;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;

/**
 * The request body, opened only when the first byte is read. Jetty answers {@code Expect: 100-continue}
 * when the servlet input stream is opened, so opening it late means a request refused before its body is
 * needed (a stale offset, a busy upload) gets its 409 or 423 without being asked to send the body first.
 */
final class RequestBody extends InputStream {
    private final Context ctx;
    private InputStream in;
    private long read;

    RequestBody(Context ctx) {
        this.ctx = ctx;
    }

    private InputStream in() throws IOException {
        if (in == null) {
            in = ctx.req().getInputStream();
        }
        return in;
    }

    @Override
    public int read() throws IOException {
        int b = in().read();
        if (b >= 0) {
            read++;
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = in().read(b, off, len);
        if (n > 0) {
            read += n;
        }
        return n;
    }

    /** How many bytes of the body have been read so far. */
    long bytesRead() {
        return read;
    }
}
