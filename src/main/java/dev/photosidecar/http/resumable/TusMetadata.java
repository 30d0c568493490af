package dev.photosidecar.http.resumable;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * tus {@code Upload-Metadata} ({@code name base64,name base64,…}) read as the headers of a plain upload, so
 * that the same checks and defaults apply: {@code key} is the upload key, {@code filename} is
 * {@code X-Filename}, {@code resourceType}, {@code assetId} and {@code createdAt} are the {@code X-} headers,
 * {@code contentType} (or tus-js-client's {@code filetype}) is {@code Content-Type}, {@code contentDigest} is
 * {@code Content-Digest} of the whole upload.
 */
final class TusMetadata {
    private static final Map<String, String> HEADERS = Map.of(
            "filename", "x-filename",
            "resourcetype", "x-resource-type",
            "assetid", "x-asset-id",
            "createdat", "x-created-at",
            "contenttype", "content-type",
            "filetype", "content-type",
            "contentdigest", "content-digest");

    private final Optional<String> key;
    private final Map<String, String> headers;

    private TusMetadata(Optional<String> key, Map<String, String> headers) {
        this.key = key;
        this.headers = headers;
    }

    static TusMetadata parse(String raw) {
        Map<String, String> headers = new HashMap<>();
        Optional<String> key = Optional.empty();
        if (raw != null && !raw.isBlank()) {
            for (String pair : raw.split(",")) {
                String[] parts = pair.strip().split(" ", 2);
                String name = parts[0].strip();
                if (name.isEmpty()) {
                    throw bad("an empty name");
                }
                byte[] value;
                try {
                    value = parts.length == 2 ? Base64.getDecoder().decode(parts[1].strip()) : new byte[0];
                } catch (IllegalArgumentException e) {
                    throw bad("a value for '" + name + "' that is not base64");
                }
                String lower = name.toLowerCase(Locale.ROOT);
                if (lower.equals("key")) {
                    key = Optional.of(new String(value, StandardCharsets.UTF_8));
                } else if (HEADERS.containsKey(lower)) {
                    // Header values reach the upload checks as ISO-8859-1 characters, as HTTP delivers them; the
                    // file name check then reassembles the UTF-8 itself.
                    headers.put(HEADERS.get(lower), new String(value, StandardCharsets.ISO_8859_1));
                }
                // Other names (a client's own bookkeeping) are ignored, as unknown headers are.
            }
        }
        return new TusMetadata(key, headers);
    }

    String key() {
        return key.orElseThrow(() -> new Problem(ErrorCode.INVALID_KEY,
                "Upload-Metadata needs a 'key': the stable name of this resource, as in /v1/uploads/{key}"));
    }

    /** A header lookup for {@code UploadMetadata.parse}. */
    String header(String name) {
        return headers.get(name.toLowerCase(Locale.ROOT));
    }

    private static Problem bad(String what) {
        return new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "Upload-Metadata has " + what
                + "; it must be 'name base64value' pairs separated by commas");
    }
}
