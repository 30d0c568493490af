package dev.photosidecar.crash;

import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.RawConnection;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.OptionalLong;

/**
 * The client side of an IETF resumable upload (interop version 6) of a {@link GeneratedBody}, as the crash tests
 * drive it: created and half sent on a raw connection (so the sidecar can be killed under it), then asked for its
 * offset and finished, possibly on another sidecar.
 */
record IetfUpload(String token, String key, String filename, long size) {
    private static final String VERSION = "Upload-Draft-Interop-Version: 6\r\n";

    /**
     * Sends the creating request's head on {@code c}, reads the {@code 104} and returns its {@code Location}; the
     * caller then sends as much of the body as it wants ({@code c.sendBody(new GeneratedBody(size), n)}).
     */
    String create(RawConnection c) throws IOException {
        c.sendHead("PUT /v1/uploads/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nX-Filename: " + filename + "\r\n" + VERSION + "Upload-Complete: ?1\r\nContent-Length: " + size);
        return c.readHead().header("Location");
    }

    /** {@code HEAD location}: the offset it reports, or empty with any answer but 204. */
    OptionalLong offset(HttpClient http, URI location) throws IOException, InterruptedException {
        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(location).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + token).header("Upload-Draft-Interop-Version", "6").build(),
                HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() != 204) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow()));
    }

    /** A PATCH of everything from {@code offset} on, to {@code port}: the answer's head and body. */
    Answer finish(int port, String location, long offset) throws IOException {
        GeneratedBody rest = new GeneratedBody(size);
        rest.skip(offset);
        try (RawConnection c = new RawConnection(port)) {
            c.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token + "\r\n"
                    + VERSION + "Upload-Complete: ?1\r\nUpload-Offset: " + offset
                    + "\r\nContent-Type: application/partial-upload\r\nContent-Length: " + (size - offset));
            c.sendBody(rest, size - offset);
            RawConnection.Head head = c.readHead();
            return new Answer(head.status(), c.readBody(head));
        }
    }

    /** The SHA-256 of the whole body. */
    String sha256() throws IOException {
        GeneratedBody whole = new GeneratedBody(size);
        whole.transferTo(OutputStream.nullOutputStream());
        return whole.sha256();
    }

    record Answer(int status, String body) {
    }
}
