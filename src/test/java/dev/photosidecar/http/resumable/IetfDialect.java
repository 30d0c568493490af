package dev.photosidecar.http.resumable;

import dev.photosidecar.support.Http;
import dev.photosidecar.support.RawConnection;
import java.util.HashMap;
import java.util.Map;

/**
 * How a client of one interop version of the IETF resumable-upload draft writes its requests, as the drafts
 * define them: version 3 says "more will follow" with {@code Upload-Incomplete: ?1}, versions 4 to 8 say
 * {@code Upload-Complete: ?0}; from version 6 appends are {@code application/partial-upload}.
 */
record IetfDialect(int version) {
    static final String LOCATION = "/v1/resumable/[a-z2-7]{26}";

    String completeHeader() {
        return version == 3 ? "Upload-Incomplete" : "Upload-Complete";
    }

    /** The value that says "this request completes the upload" ({@code complete}) or "more will follow". */
    String completeValue(boolean complete) {
        return (version != 3) == complete ? "?1" : "?0";
    }

    /** The creation's request line and headers, for a raw socket (no blank line); a negative length is chunked. */
    String creation(String key, String token, boolean complete, long contentLength, Long uploadLength) {
        StringBuilder head = new StringBuilder("PUT /v1/uploads/" + key + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                + "\r\nX-Filename: " + key + ".mov\r\nX-Resource-Type: video\r\nContent-Type: video/quicktime"
                + "\r\nUpload-Draft-Interop-Version: " + version + "\r\n" + completeHeader() + ": " + completeValue(complete)
                + (contentLength < 0 ? "\r\nTransfer-Encoding: chunked" : "\r\nContent-Length: " + contentLength));
        if (uploadLength != null) {
            head.append("\r\nUpload-Length: ").append(uploadLength);
        }
        return head.toString();
    }

    /** {@code body} as one chunk and the last chunk, for a request sent with {@code Transfer-Encoding: chunked}. */
    static byte[] chunked(byte[] body) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        if (body.length > 0) {
            out.writeBytes((Integer.toHexString(body.length) + "\r\n").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.writeBytes(body);
            out.writeBytes("\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        }
        out.writeBytes("0\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        return out.toByteArray();
    }

    Map<String, String> appendHeaders(long offset, boolean complete) {
        Map<String, String> h = new HashMap<>(Map.of("Upload-Draft-Interop-Version", String.valueOf(version),
                "Upload-Offset", String.valueOf(offset), completeHeader(), completeValue(complete)));
        if (version >= 6) {
            h.put("Content-Type", "application/partial-upload");
        }
        return h;
    }

    Http.Response head(Http http, String location, String token) {
        return http.send("HEAD", location, token, Map.of("Upload-Draft-Interop-Version", String.valueOf(version)), null);
    }

    Http.Response append(Http http, String location, String token, long offset, boolean complete, byte[] part) {
        return http.send("PATCH", location, token, appendHeaders(offset, complete), part);
    }

    /** Reads the 104 of a creation and checks what every version must put in it; returns its Location. */
    String read104(RawConnection c) throws java.io.IOException {
        RawConnection.Head interim = c.readHead();
        if (interim.status() != 104) {
            throw new AssertionError("expected a 104 for interop version " + version + ", got " + interim);
        }
        if (!String.valueOf(version).equals(interim.header("Upload-Draft-Interop-Version"))) {
            throw new AssertionError("the 104 must echo interop version " + version + ": " + interim);
        }
        String location = interim.header("Location");
        if (location == null || !location.matches(LOCATION)) {
            throw new AssertionError("the 104 must carry the upload's Location: " + interim);
        }
        return location;
    }
}
