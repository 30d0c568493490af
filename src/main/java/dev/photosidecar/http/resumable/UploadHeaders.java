package dev.photosidecar.http.resumable;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import java.util.Optional;
import java.util.OptionalLong;

/** Reads the small header values resumable uploads use: RFC 8941 booleans and non-negative integers. */
final class UploadHeaders {
    private UploadHeaders() {
    }

    /** An RFC 8941 boolean ({@code ?1} or {@code ?0}). */
    static Optional<Boolean> bool(String name, String value) {
        if (value == null) {
            return Optional.empty();
        }
        return switch (value.strip()) {
            case "?1" -> Optional.of(true);
            case "?0" -> Optional.of(false);
            default -> throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, name + " must be ?1 or ?0, not '" + shorten(value) + "'");
        };
    }

    /** A non-negative integer of at most 15 digits (RFC 8941's integer range). */
    static OptionalLong count(String name, String value) {
        if (value == null) {
            return OptionalLong.empty();
        }
        String v = value.strip();
        if (!v.matches("[0-9]{1,15}")) {
            throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, name + " must be a non-negative integer, not '" + shorten(value) + "'");
        }
        return OptionalLong.of(Long.parseLong(v));
    }

    static long requireCount(String name, String value) {
        return count(name, value).orElseThrow(() -> new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "this request needs " + name));
    }

    private static String shorten(String s) {
        String printable = s.replaceAll("\\p{Cntrl}", "?");
        return printable.length() > 40 ? printable.substring(0, 40) + "…" : printable;
    }
}
