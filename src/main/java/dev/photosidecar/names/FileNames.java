package dev.photosidecar.names;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** File names as data: making any text safe as one path segment, and naming the n-th copy. */
public final class FileNames {
    /** Most file systems (and Nextcloud) stop at 255 bytes per name. */
    public static final int MAX_SEGMENT_BYTES = 255;

    private FileNames() {
    }

    /**
     * Text made safe as a single path segment: separators, NUL, control characters and unpaired surrogates
     * become '_', and a
     * segment that would be empty, "." or ".." becomes "_". Used on every token value, even validated ones.
     */
    public static String safeSegment(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            // A lone UTF-16 surrogate (a device name from JSON can carry "\ud800") is no character at all: no file
            // system or WebDAV host can take it, and java.nio refuses the whole path.
            if (cp == '/' || cp == '\\' || cp == 0 || Character.isISOControl(cp) || Character.getType(cp) == Character.SURROGATE) {
                sb.append('_');
            } else {
                sb.appendCodePoint(cp);
            }
        });
        String s = sb.toString().strip();
        if (s.isEmpty() || s.equals(".") || s.equals("..")) {
            return "_";
        }
        return s;
    }

    /**
     * The one rule for characters in names people read (file names, device names): why {@code text} would hide
     * or mangle what it says, or empty when it is fine. NUL and control characters can split a log line or a
     * header; the bidirectional controls (U+202A–U+202E, U+2066–U+2069) make "photo" U+202E "gpj.exe" show as
     * "photoexe.jpg"; a lone UTF-16 surrogate is no character at all.
     */
    public static Optional<String> characterProblem(String text) {
        if (text.chars().anyMatch(c -> c == 0 || Character.isISOControl(c))) {
            return Optional.of("contains NUL or control characters");
        }
        if (text.chars().anyMatch(FileNames::isBidiControl)) {
            return Optional.of("contains bidirectional control characters that disguise the name");
        }
        if (text.codePoints().anyMatch(cp -> Character.getType(cp) == Character.SURROGATE)) {
            return Optional.of("contains an unpaired UTF-16 surrogate");
        }
        return Optional.empty();
    }

    /** {@code text} with every character {@link #characterProblem} refuses written as its code point, safe to quote. */
    public static String printable(String text) {
        StringBuilder sb = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || Character.isISOControl(cp) || isBidiControl(cp) || Character.getType(cp) == Character.SURROGATE) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.appendCodePoint(cp);
            }
        });
        return sb.toString();
    }

    /** The explicit embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). */
    private static boolean isBidiControl(int c) {
        return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    }

    /** "IMG_1.HEIC" → "IMG_1"; names without an extension (or only a leading dot) are all base. */
    public static String baseName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(0, dot) : name;
    }

    /** "IMG_1.HEIC" → "HEIC"; "" when there is none. */
    public static String extension(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 ? name.substring(dot + 1) : "";
    }

    /** The name of the n-th copy: "IMG_1 (2).HEIC". n = 0 is the name itself. */
    public static String numbered(String name, int n) {
        if (n == 0) {
            return name;
        }
        String ext = extension(name);
        return baseName(name) + " (" + n + ")" + (ext.isEmpty() ? "" : "." + ext);
    }

    /** The hidden name a file is written under before it gets its own: {@code .sidecar-{id}.tmp}. */
    public static String temporaryName(String id) {
        return ".sidecar-" + id + ".tmp";
    }

    /**
     * Whether {@code name} has the form of the sidecar's temporary names. No upload may have it: the sidecar
     * removes and replaces such files on the host as its own.
     */
    public static boolean isTemporaryName(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        return n.startsWith(".sidecar-") && n.endsWith(".tmp");
    }

    public static int utf8Length(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }
}
