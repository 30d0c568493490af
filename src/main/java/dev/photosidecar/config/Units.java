package dev.photosidecar.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human forms of sizes ("16GiB", "512 MB", "1048576") and durations ("30s", "2h", "PT5M"). */
public final class Units {
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]i?b?|b)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /** Bytes from a size; binary (KiB) and decimal (KB) units both work. */
    public static long parseBytes(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a size (examples: 1048576, 512MiB, 16GiB)");
        }
        long number = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "b" : m.group(2).toLowerCase(Locale.ROOT);
        boolean binary = unit.contains("i");
        long base = binary ? 1024 : 1000;
        int power = switch (unit.charAt(0)) {
            case 'k' -> 1;
            case 'm' -> 2;
            case 'g' -> 3;
            case 't' -> 4;
            default -> 0;
        };
        long factor = 1;
        for (int i = 0; i < power; i++) {
            factor = Math.multiplyExact(factor, base);
        }
        return Math.multiplyExact(number, factor);
    }

    public static Duration parseDuration(String text) {
        String t = text.trim();
        if (t.toUpperCase(Locale.ROOT).startsWith("PT") || t.toUpperCase(Locale.ROOT).startsWith("P")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        Matcher m = DURATION.matcher(t);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a duration (examples: 500ms, 30s, 5m, 2h, 1d)");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A size for people: 1.5 GiB, 300 KiB, 12 B. */
    public static String formatBytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, v >= 10 ? "%.0f %s" : "%.1f %s", v, units[i]);
    }
}
