package dev.photosidecar.delivery.webdav;

import com.github.sardine.DavResource;
import com.github.sardine.impl.SardineException;
import com.github.sardine.impl.SardineImpl;
import com.github.sardine.impl.methods.HttpMkCol;
import com.github.sardine.impl.methods.HttpMove;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.http.Header;
import org.apache.http.HttpResponse;
import org.apache.http.client.methods.HttpPut;
import org.apache.http.client.methods.HttpRequestBase;
import org.apache.http.entity.ContentType;
import org.apache.http.entity.FileEntity;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.util.EntityUtils;

/**
 * Sardine with its traps handled: preemptive Basic auth for the exact scheme, host and port; answers read
 * as status codes instead of exceptions where the status is information (405 on MKCOL, 412 on MOVE); PUT
 * streamed from a file with its real length and an explicit Content-Type, returning the ETag, and given up
 * when the host stops reading its body ({@link StalledBodyGuard}).
 */
final class WebDavClient extends SardineImpl {
    /** The properties {@link #stat} asks for: size and ETag, and whether it is a folder. */
    private static final java.util.Set<javax.xml.namespace.QName> STAT_PROPS = java.util.Set.of(
            new javax.xml.namespace.QName("DAV:", "getcontentlength", "d"),
            new javax.xml.namespace.QName("DAV:", "getetag", "d"),
            new javax.xml.namespace.QName("DAV:", "resourcetype", "d"));

    private final Duration bodyStallLimit;

    /** @param bodyStallLimit how long a request body may make no progress before the request is given up */
    WebDavClient(HttpClientBuilder builder, Optional<String> login, Optional<String> password, URL root,
                 Duration bodyStallLimit) {
        super(builder, login.orElse(null), password.orElse(null));
        this.bodyStallLimit = bodyStallLimit;
        if (login.isPresent()) {
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
        // FileEntity streams from disk with the file's real length: no chunking, nothing held in memory.
        put.setEntity(StalledBodyGuard.guard(new FileEntity(file.toFile(), ContentType.create(contentType)), put,
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
            List<DavResource> all = list(folderUrl, 1, true);
            return Optional.of(all.stream().filter(r -> !r.isDirectory()).toList());
        } catch (SardineException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** Size and ETag of one resource (PROPFIND depth 0), or empty when it does not exist. */
    Optional<DavResource> stat(String url) throws IOException {
        try {
            // Only what a check reads: an allprop answer is several times larger, and parsing it was the biggest
            // CPU cost of a delivery (docs/performance.md).
            List<DavResource> found = list(url, 0, STAT_PROPS);
            return found.isEmpty() ? Optional.empty() : Optional.of(found.get(0));
        } catch (SardineException e) {
            if (e.getStatusCode() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    InputStream open(String url) throws IOException {
        return get(url);
    }

    void deleteQuietly(String url) {
        try {
            delete(url);
        } catch (IOException ignored) {
            // a leftover hidden temporary file is removed by the next delivery of the same job
        }
    }

    /** Any request, its answer read by {@code handler} (which must consume the body). */
    <T> T send(HttpRequestBase request, org.apache.http.client.ResponseHandler<T> handler) throws IOException {
        return execute(request, handler);
    }

    DavReply call(HttpRequestBase request) throws IOException {
        return execute(request, (HttpResponse r) -> {
            EntityUtils.consumeQuietly(r.getEntity());
            return new DavReply(r.getStatusLine().getStatusCode(), String.valueOf(r.getStatusLine().getReasonPhrase()),
                    header(r, "ETag").or(() -> header(r, "OC-ETag")), header(r, "Retry-After"), header(r, "OC-FileId"),
                    header(r, "X-Hash-SHA256"), header(r, "X-Nextcloud-Maintenance-Mode").isPresent());
        });
    }

    private static Optional<String> header(HttpResponse r, String name) {
        Header h = r.getFirstHeader(name);
        return h == null ? Optional.empty() : Optional.ofNullable(h.getValue());
    }
}
