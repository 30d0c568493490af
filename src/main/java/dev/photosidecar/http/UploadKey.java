package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.names.FileNames;
import java.util.regex.Pattern;

/** The client's stable name for one resource: 1–200 characters of {@code A-Z a-z 0-9 . _ ~ -}. */
public final class UploadKey {
    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9._~-]{1,200}");

    private UploadKey() {
    }

    public static String require(String key) {
        // "." and ".." match the character set but are dot-segments: URL normalisation would eat them.
        if (key == null || !KEY.matcher(key).matches() || key.equals(".") || key.equals("..")) {
            String shown = key == null ? "" : key.length() > 60 ? key.substring(0, 60) + "…" : key;
            throw new Problem(ErrorCode.INVALID_KEY, "upload key '" + printable(shown)
                    + "' is invalid: use 1-200 characters of A-Z a-z 0-9 . _ ~ - (not '.' or '..')");
        }
        return key;
    }

    /** Control and bidirectional characters made visible, so an error message can quote hostile input safely. */
    public static String printable(String s) {
        return FileNames.printable(s);
    }
}
