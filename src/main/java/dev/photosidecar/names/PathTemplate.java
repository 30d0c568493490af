package dev.photosidecar.names;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a delivered file goes under its user's root, e.g. {@code Photos/{yyyy}/{MM}/{filename}}.
 * Parsed and checked once at start-up; rendering can never leave the user's root, because every token
 * value is made safe as a single path segment.
 */
public final class PathTemplate {
    /** The tokens a template may use. Dates come from the photo's capture time ({@code X-Created-At}). */
    public static final Set<String> TOKENS = Set.of(
            "yyyy", "MM", "dd", "user", "device", "filename", "basename", "ext", "resourceType");

    private record Part(String literal, String token) {
    }

    private final String source;
    private final List<List<Part>> segments;

    private PathTemplate(String source, List<List<Part>> segments) {
        this.source = source;
        this.segments = segments;
    }

    /** What a template is filled with for one job. */
    public record Values(ZonedDateTime createdAt, String user, String device, String filename, String resourceType) {
    }

    /** @throws IllegalArgumentException naming what is wrong with the template */
    public static PathTemplate parse(String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("the path template is empty");
        }
        if (source.startsWith("/")) {
            throw new IllegalArgumentException("must be relative to the user's root (no leading '/')");
        }
        if (source.contains("\\") || source.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("must not contain '\\' or control characters");
        }
        List<List<Part>> segments = new ArrayList<>();
        for (String seg : source.split("/", -1)) {
            if (seg.isEmpty()) {
                throw new IllegalArgumentException("has an empty folder name (a doubled or trailing '/')");
            }
            if (seg.equals(".") || seg.equals("..")) {
                throw new IllegalArgumentException("must not contain '.' or '..' segments");
            }
            segments.add(parseSegment(seg));
        }
        List<Part> last = segments.get(segments.size() - 1);
        boolean namesFile = last.stream().anyMatch(p -> "filename".equals(p.token()) || "basename".equals(p.token()));
        if (!namesFile) {
            throw new IllegalArgumentException("the last segment must contain {filename} or {basename}");
        }
        return new PathTemplate(source, List.copyOf(segments));
    }

    private static List<Part> parseSegment(String seg) {
        List<Part> parts = new ArrayList<>();
        int i = 0;
        while (i < seg.length()) {
            int open = seg.indexOf('{', i);
            int close = seg.indexOf('}', i);
            if (close >= 0 && (open < 0 || close < open)) {
                throw new IllegalArgumentException("has a '}' without its '{'");
            }
            if (open < 0) {
                parts.add(new Part(seg.substring(i), null));
                break;
            }
            if (open > i) {
                parts.add(new Part(seg.substring(i, open), null));
            }
            int end = seg.indexOf('}', open);
            if (end < 0) {
                throw new IllegalArgumentException("has a '{' without its '}'");
            }
            String token = seg.substring(open + 1, end);
            if (!TOKENS.contains(token)) {
                throw new IllegalArgumentException("unknown token {" + token + "}; known tokens: " + new TreeSet<>(TOKENS));
            }
            parts.add(new Part(null, token));
            i = end + 1;
        }
        return parts;
    }

    /** The path segments for one job, each safe as a single file or folder name. */
    public List<String> render(Values v) {
        List<String> out = new ArrayList<>(segments.size());
        for (List<Part> seg : segments) {
            StringBuilder sb = new StringBuilder();
            for (Part p : seg) {
                sb.append(p.literal() != null ? p.literal() : FileNames.safeSegment(value(p.token(), v)));
            }
            String name = FileNames.safeSegment(sb.toString());
            if (FileNames.utf8Length(name) > FileNames.MAX_SEGMENT_BYTES) {
                throw new IllegalArgumentException("the path segment '" + name + "' is longer than "
                        + FileNames.MAX_SEGMENT_BYTES + " bytes");
            }
            out.add(name);
        }
        return out;
    }

    private static String value(String token, Values v) {
        return switch (token) {
            case "yyyy" -> String.format("%04d", v.createdAt().getYear());
            case "MM" -> String.format("%02d", v.createdAt().getMonthValue());
            case "dd" -> String.format("%02d", v.createdAt().getDayOfMonth());
            case "user" -> v.user();
            case "device" -> v.device();
            case "filename" -> v.filename();
            case "basename" -> FileNames.baseName(v.filename());
            case "ext" -> FileNames.extension(v.filename());
            case "resourceType" -> v.resourceType();
            default -> throw new IllegalStateException("unchecked token " + token);
        };
    }

    @Override
    public String toString() {
        return source;
    }
}
