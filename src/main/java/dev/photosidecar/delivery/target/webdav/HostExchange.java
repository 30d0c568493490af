package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.config.Units;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.http.Header;
import org.apache.http.HttpEntity;
import org.apache.http.HttpResponse;
import org.apache.http.client.ResponseHandler;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.HttpEntityWrapper;

/**
 * One request to the host, bounded in every way a host could stretch it: it is aborted at its
 * {@link Deadline} (however slowly the host trickles its answer), its answer is read up to a size limit and
 * no further (an endless or huge answer fails with the limit in its message, and the connection is cut
 * instead of drained), and a redirect fails it instead of being followed.
 */
final class HostExchange {
    /** A PROPFIND of one resource, status.php, the capabilities, Login Flow and account JSON. */
    static final long SMALL_ANSWER = 1L << 20;
    /** A PROPFIND listing of a chunked upload's folder: up to 10,000 chunks. */
    static final long LISTING_ANSWER = 8L << 20;
    /** The body of an answer the sidecar only needs the status and headers of (MKCOL, PUT, MOVE, DELETE, errors). */
    static final long IGNORED_BODY = 64L << 10;

    private HostExchange() {
    }

    /** Sends the request (through whichever client) with the guarded handler. */
    interface Send<T> {
        T send(ResponseHandler<T> guarded) throws IOException;
    }

    /**
     * Runs {@code request} under {@code deadline}, with its answer's body limited to {@code answerLimit} bytes;
     * {@code handler} reads the answer inside the exchange, so that both bounds cover the reading too.
     */
    static <T> T run(HttpRequestBase request, Deadline deadline, long answerLimit, ResponseHandler<T> handler, Send<T> send)
            throws IOException {
        String what = describe(request);
        if (deadline.passed()) {
            throw deadline.exceeded(what, null);
        }
        AtomicBoolean cut = new AtomicBoolean();
        // Set when the bound stops the reading: parsers (JAXB under Sardine) rethrow that as errors of their own.
        java.util.concurrent.atomic.AtomicReference<AnswerTooLarge> tooLarge = new java.util.concurrent.atomic.AtomicReference<>();
        ScheduledFuture<?> timer = Deadline.WATCHDOG.schedule(() -> {
            cut.set(true);
            request.abort(); // closes the connection: a read or write blocked on it fails at once
        }, deadline.remainingNanos(), TimeUnit.NANOSECONDS);
        try {
            return send.send(response -> {
                HttpEntity entity = response.getEntity();
                if (entity != null) {
                    response.setEntity(new BoundedAnswer(entity, answerLimit, request, what, tooLarge));
                }
                refuseRedirect(response, what);
                return handler.handleResponse(response);
            });
        } catch (IOException e) {
            if (cut.get()) {
                throw deadline.exceeded(what, e);
            }
            if (tooLarge.get() != null && tooLarge.get() != e) {
                throw tooLarge.get();
            }
            throw e;
        } finally {
            timer.cancel(false);
        }
    }

    /** "PUT /remote.php/dav/files/alice/Photos/.sidecar-….tmp": what failure messages call a request. */
    static String describe(HttpRequestBase request) {
        return request.getMethod() + " " + request.getURI().getRawPath();
    }

    /**
     * A redirect is never followed, whatever the method: the credentials and AppAPI headers must not travel to
     * another origin, and a WebDAV host that moves its files elsewhere is a configuration to fix, not to guess.
     */
    private static void refuseRedirect(HttpResponse response, String what) throws Redirected {
        int status = response.getStatusLine().getStatusCode();
        if (status >= 300 && status < 400 && status != 304) {
            Header location = response.getFirstHeader("Location");
            throw new Redirected(status, "the host answered " + status + " to " + what
                    + (location == null ? "" : " pointing to " + printable(location.getValue()))
                    + "; the sidecar follows no redirects (if the host moved, set SIDECAR_WEBDAV_URL to its new address)");
        }
    }

    /** A host-given URL as it may appear in a message: no user info, no query, no control characters, short. */
    static String printable(String url) {
        String s = dev.photosidecar.config.WebDavSettings.withoutUserInfo(url);
        int query = s.indexOf('?');
        if (query >= 0) {
            s = s.substring(0, query) + "?…";
        }
        s = s.codePoints().map(c -> Character.isISOControl(c) ? '_' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }

    /** The host answered with a redirect, which the sidecar does not follow. */
    static final class Redirected extends IOException {
        private static final long serialVersionUID = 1L;
        private final int status;

        Redirected(int status, String message) {
            super(message);
            this.status = status;
        }

        int status() {
            return status;
        }
    }

    /** The host's answer was larger than the sidecar reads for that request. */
    static final class AnswerTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        AnswerTooLarge(String message) {
            super(message);
        }
    }

    /**
     * The answer's body, readable up to a limit. Past the limit, or when it is closed with more than the limit
     * still to come, the request is aborted: closing an endless chunked body would otherwise read it to its end.
     */
    private static final class BoundedAnswer extends HttpEntityWrapper {
        private final long limit;
        private final HttpRequestBase request;
        private final String what;
        private final java.util.concurrent.atomic.AtomicReference<AnswerTooLarge> tripped;
        private Bounded stream;
        /** The declared length was over the limit: the connection is cut, nothing is read. */
        private boolean refused;

        BoundedAnswer(HttpEntity body, long limit, HttpRequestBase request, String what,
                      java.util.concurrent.atomic.AtomicReference<AnswerTooLarge> tripped) {
            super(body);
            this.limit = limit;
            this.request = request;
            this.what = what;
            this.tripped = tripped;
        }

        @Override
        public InputStream getContent() throws IOException {
            if (stream == null) {
                if (refused) {
                    return InputStream.nullInputStream(); // the client's own clean-up after the refusal below
                }
                if (wrappedEntity.getContentLength() > limit) {
                    refused = true;
                    throw tooLarge();
                }
                stream = new Bounded(wrappedEntity.getContent());
            }
            return stream;
        }

        @Override
        public void writeTo(OutputStream out) throws IOException {
            getContent().transferTo(out);
        }

        private AnswerTooLarge tooLarge() {
            request.abort();
            AnswerTooLarge e = new AnswerTooLarge("the host's answer to " + what + " is larger than " + Units.formatBytes(limit)
                    + ", the most the sidecar reads for it");
            tripped.compareAndSet(null, e);
            return e;
        }

        private final class Bounded extends FilterInputStream {
            private long count;
            private boolean closed;

            Bounded(InputStream in) {
                super(in);
            }

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (len == 0) {
                    return 0;
                }
                // One byte past the limit is enough to know the answer is too large.
                int n = in.read(b, off, (int) Math.min(len, limit - count + 1));
                if (n > 0) {
                    count += n;
                    if (count > limit) {
                        throw tooLarge();
                    }
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                byte[] buf = new byte[(int) Math.min(8192, Math.max(1, n))];
                int read = read(buf, 0, (int) Math.min(buf.length, n));
                return Math.max(0, read);
            }

            /** Reads what is left within the limit (so that the connection can be reused), else cuts it. */
            @Override
            public void close() throws IOException {
                if (closed) {
                    return;
                }
                closed = true;
                byte[] buf = new byte[8192];
                try {
                    while (count <= limit) {
                        int n = in.read(buf, 0, (int) Math.min(buf.length, limit - count + 1));
                        if (n < 0) {
                            in.close();
                            return;
                        }
                        count += n;
                    }
                } catch (IOException e) {
                    // the connection is broken anyway; it is cut below
                }
                request.abort();
            }
        }
    }
}
