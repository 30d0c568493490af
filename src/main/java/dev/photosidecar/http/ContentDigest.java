package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the SHA-256 out of an RFC 9530 {@code Content-Digest} or {@code Repr-Digest} field, a structured
 * dictionary such as {@code sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:…:}.
 * Algorithms other than sha-256 are allowed and ignored; a malformed field is refused.
 */
final class ContentDigest {
    private static final Pattern MEMBER = Pattern.compile(
            "\\s*([a-z*][a-z0-9_.*-]*)\\s*=\\s*:([A-Za-z0-9+/=]*):\\s*(;[^,]*)?\\s*");

    private ContentDigest() {
    }

    /** The SHA-256 the field carries, if any. */
    static Optional<byte[]> sha256(String headerName, String value) {
        if (value == null) {
            return Optional.empty();
        }
        if (value.isBlank() || value.length() > 4096) {
            throw invalid(headerName, "is empty or too long");
        }
        Optional<byte[]> found = Optional.empty();
        for (String member : value.split(",", -1)) {
            Matcher m = MEMBER.matcher(member);
            if (!m.matches()) {
                throw invalid(headerName, "is not of the form sha-256=:BASE64:");
            }
            String algorithm = m.group(1).toLowerCase(Locale.ROOT);
            byte[] bytes;
            try {
                bytes = Base64.getDecoder().decode(m.group(2));
            } catch (IllegalArgumentException e) {
                throw invalid(headerName, "has a value that is not valid base64");
            }
            if (algorithm.equals("sha-256")) {
                if (bytes.length != 32) {
                    throw invalid(headerName, "has a sha-256 of " + bytes.length + " bytes; a SHA-256 has 32");
                }
                found = Optional.of(bytes);
            }
        }
        return found;
    }

    private static Problem invalid(String header, String why) {
        return new Problem(ErrorCode.INVALID_DIGEST, header + " " + why + " (RFC 9530, e.g. sha-256=:BASE64:)");
    }
}
