package dev.photosidecar.delivery.target.webdav;

import com.github.sardine.DavResource;
import com.github.sardine.impl.SardineException;
import com.github.sardine.impl.SardineImpl;
import com.github.sardine.impl.methods.HttpMkCol;
import com.github.sardine.impl.methods.HttpMove;
import com.github.sardine.impl.methods.HttpPropFind;
import dev.photosidecar.spool.Sha256;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.http.Header;
import org.apache.http.HttpResponse;
import org.apache.http.auth.AuthScope;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.client.ResponseHandler;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.client.methods.HttpPut;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.entity.ByteArrayEntity;
import org.apache.http.impl.client.BasicCredentialsProvider;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.util.EntityUtils;

/**
 * Sardine with its traps handled: preemptive Basic auth for the exact scheme, host and port, and credentials
 * offered to no other origin; answers read as status codes instead of exceptions where the status is
 * information (405 on MKCOL, 412 on MOVE); PUT streamed from a file with its real length and an explicit
 * Content-Type, returning the ETag, and given up when the host stops reading its body
 * ({@link StalledBodyGuard}). Every request, Sardine's own included, runs as a {@link HostExchange}: under the
 * thread's {@link Deadline} (or one of {@code deadline} from its start), with its answer bounded in size, and
 * failing on a redirect.
 */
final class WebDavClient extends SardineImpl {
    /** The PROPFIND body of {@link #stat}: size and ETag, and whether it is a folder. */
    private static final byte[] STAT_BODY = ("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<d:propfind xmlns:d=\"DAV:\"><d:prop><d:getcontentlength/><d:getetag/><d:resourcetype/></d:prop></d:propfind>")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    /** The properties {@link #members} asks for: a listing of thousands of chunks stays small. */
    private static final java.util.Set<javax.xml.namespace.QName> LIST_PROPS = java.util.Set.of(
            new javax.xml.namespace.QName("DAV:", "getcontentlength", "d"),
            new javax.xml.namespace.QName("DAV:", "resourcetype", "d"));

    private final Duration bodyStallLimit;
    private final Duration deadline;

    /**
     * @param bodyStallLimit how long a request body may make no progress before the request is given up
     * @param deadline       the longest one request may take when no delivery attempt's deadline is bound
     */
    WebDavClient(HttpClientBuilder builder, Optional<String> login, Optional<String> password, URL root,
                 Duration bodyStallLimit, Duration deadline) {
        super(builder, login.orElse(null), password.orElse(null));
        this.bodyStallLimit = bodyStallLimit;
        this.deadline = deadline;
        if (login.isPresent()) {
            // Sardine offers the credentials to any host that asks; only the configured one may have them.
            HostOrigin origin = HostOrigin.of(root.toString());
            BasicCredentialsProvider scoped = new BasicCredentialsProvider();
            scoped.setCredentials(new AuthScope(origin.host(), origin.port()),
                    new UsernamePasswordCredentials(login.get(), password.orElse("")));
            setCredentials(scoped);
            context.setAuthCache(new PreemptiveBasicCache()); // before Sardine adds its scheme to it
            enablePreemptiveAuthentication(root);
        }
    }

    DavReply mkcol(String url) throws IOException {
        return call(new HttpMkCol(url));
    }

    DavReply mkcol(String url, Map<String, String> headers) throws IOException {
        HttpMkCol mkcol = new HttpMkCol(url);
        headers.forEach(mkcol::setHeader);
        return call(mkcol);
    }

    DavReply putFile(String url, Path file, String contentType) throws IOException {
        return putFile(url, file, contentType, Map.of());
    }

    DavReply putFile(String url, Path file, String contentType, Map<String, String> headers) throws IOException {
        HttpPut put = new HttpPut(url);
        // Streamed from disk with the file's real length (no chunking, nothing held in memory): by sendfile on
        // plain http (ChannelRequestExecutor), else in large writes that bypass the connection's 8 KiB buffer
        // (FileRegionEntity).
        put.setEntity(StalledBodyGuard.guard(new FileRegionEntity(file, 0, java.nio.file.Files.size(file), contentType), put,
                bodyStallLimit));
        headers.forEach(put::setHeader);
        return call(put);
    }

    DavReply putRegion(String url, FileRegionEntity region, Map<String, String> headers) throws IOException {
        HttpPut put = new HttpPut(url);
        put.setEntity(StalledBodyGuard.guard(region, put, bodyStallLimit));
        headers.forEach(put::setHeader);
        return call(put);
    }

    /** MOVE with {@code Overwrite: F}: a taken destination answers 412 instead of being replaced. */
    DavReply moveNoOverwrite(String from, String to) throws IOException {
        return call(new HttpMove(from, to, false));
    }

    DavReply moveWith(String from, String to, boolean overwrite, Map<String, String> headers) throws IOException {
        HttpMove move = new HttpMove(from, to, overwrite);
        headers.forEach(move::setHeader);
        return call(move);
    }

    /** The members of a folder (PROPFIND depth 1, the folder itself left out), or empty if it is gone. */
    Optional<List<DavResource>> members(String folderUrl) throws IOException {
        try {
            List<DavResource> all = list(folderUrl, 1, LIST_PROPS);
            return Optional.of(all.stream().filter(r -> !r.isDirectory()).toList());
        } catch (SardineException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Size and ETag of one resource, and whether it is a folder (PROPFIND depth 0), or empty when it does not
     * exist. Only what a check reads is asked for (an allprop answer is several times larger), with a body that
     * never changes, and the answer is read by a streaming parser ({@link MultistatusReader}): Sardine's JAXB
     * marshalling of the request and unmarshalling of the answer were the largest CPU cost of a verification
     * (docs/performance.md). A refusal is a {@link SardineException} with its status, as Sardine threw it.
     */
    Optional<DavStat> stat(String url) throws IOException {
        HttpPropFind propfind = new HttpPropFind(url); // Content-Type: text/xml; charset=utf-8
        propfind.setDepth("0");
        propfind.setEntity(new ByteArrayEntity(STAT_BODY));
        return exchange(propfind, HostExchange.SMALL_ANSWER, r -> {
            int status = r.getStatusLine().getStatusCode();
            String reason = r.getStatusLine().getReasonPhrase();
            if (status == 404) {
                EntityUtils.consume(r.getEntity());
                return Optional.empty();
            }
            if (status / 100 != 2) {
                throw new SardineException("Unexpected response", status, reason);
            }
            if (r.getEntity() == null) {
                throw new SardineException("No entity found in response", status, reason);
            }
            try (InputStream in = r.getEntity().getContent()) {
                return MultistatusReader.firstResource(in);
            } catch (MultistatusReader.NotMultistatus e) {
                // An answer that is no valid WebDAV: a SardineException with a 2xx status, judged as before.
                throw new SardineException(e.getMessage(), status, reason);
            }
        });
    }

    /**
     * The SHA-256 (hex) of what GET {@code url} answers, read inside the exchange (so its deadline covers the
     * reading) and never more than {@code maxBytes}; empty when the file is not there.
     */
    Optional<String> sha256(String url, long maxBytes) throws IOException {
        return exchange(new HttpGet(url), maxBytes, r -> {
            int status = r.getStatusLine().getStatusCode();
            if (status == 404) {
                return Optional.empty();
            }
            if (status / 100 != 2) {
                throw new SardineException("GET answered " + status, status, r.getStatusLine().getReasonPhrase());
            }
            MessageDigest md = Sha256.newDigest();
            if (r.getEntity() != null) {
                try (InputStream in = r.getEntity().getContent()) {
                    byte[] buf = new byte[64 * 1024];
                    int n;
                    while ((n = in.read(buf)) >= 0) {
                        md.update(buf, 0, n);
                    }
                }
            }
            return Optional.of(Sha256.hex(md.digest()));
        });
    }

    void deleteQuietly(String url) {
        try {
            delete(url);
        } catch (IOException ignored) {
            // a leftover hidden temporary file is removed by the next delivery of the same job
        }
    }

    /** Any request, its answer read by {@code handler} (which must consume the body) and bounded to {@code maxAnswer}. */
    <T> T send(HttpRequestBase request, long maxAnswer, ResponseHandler<T> handler) throws IOException {
        return exchange(request, maxAnswer, handler);
    }

    /**
     * A request whose answer's status and headers are all that counts. Its body is read up to
     * {@link HostExchange#IGNORED_BODY} (so that the connection can be reused); a longer one is cut off, and the
     * status still stands: a 503 with a large maintenance page is still a 503.
     */
    DavReply call(HttpRequestBase request) throws IOException {
        return exchange(request, HostExchange.IGNORED_BODY, (HttpResponse r) -> {
            if (r.getEntity() != null) {
                try (InputStream in = r.getEntity().getContent()) {
                    in.transferTo(java.io.OutputStream.nullOutputStream());
                } catch (HostExchange.AnswerTooLarge cutOff) {
                    // the connection is cut; nothing in the body was needed
                }
            }
            return new DavReply(r.getStatusLine().getStatusCode(), String.valueOf(r.getStatusLine().getReasonPhrase()),
                    header(r, "ETag").or(() -> header(r, "OC-ETag")), header(r, "Retry-After"), header(r, "OC-FileId"),
                    header(r, "X-Hash-SHA256"), header(r, "X-Nextcloud-Maintenance-Mode").isPresent());
        });
    }

    /** Sardine's own requests (PROPFIND, DELETE) are bounded like ours; the answer limit follows from the request. */
    @Override
    protected <T> T execute(HttpClientContext context, HttpRequestBase request, ResponseHandler<T> handler)
            throws IOException {
        if (handler == null) {
            // Sardine's get() hands the open answer to its caller, outside any deadline or size bound.
            throw new UnsupportedOperationException("answers are read inside their exchange; use sha256() or send()");
        }
        return exchange(context, request, answerLimit(request), handler);
    }

    private <T> T exchange(HttpRequestBase request, long maxAnswer, ResponseHandler<T> handler) throws IOException {
        return exchange(context, request, maxAnswer, handler);
    }

    private <T> T exchange(HttpClientContext ctx, HttpRequestBase request, long maxAnswer, ResponseHandler<T> handler)
            throws IOException {
        Deadline d = Deadline.currentOrNull();
        if (d == null) {
            d = Deadline.after(deadline, Deadline.format(deadline) + " (SIDECAR_WEBDAV_DEADLINE)");
        }
        return HostExchange.run(request, d, maxAnswer, handler, guarded -> super.execute(ctx, request, guarded));
    }

    private static long answerLimit(HttpRequestBase request) {
        if (!request.getMethod().equals("PROPFIND")) {
            return request.getMethod().equals("GET") ? HostExchange.SMALL_ANSWER : HostExchange.IGNORED_BODY;
        }
        Header depth = request.getFirstHeader("Depth");
        return depth != null && "0".equals(depth.getValue()) ? HostExchange.SMALL_ANSWER : HostExchange.LISTING_ANSWER;
    }

    private static Optional<String> header(HttpResponse r, String name) {
        Header h = r.getFirstHeader(name);
        return h == null ? Optional.empty() : Optional.ofNullable(h.getValue());
    }
}
