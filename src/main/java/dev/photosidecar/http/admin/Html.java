package dev.photosidecar.http.admin;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Escaping and the few formats the admin pages use; {@code admin.js} formats the same way. */
final class Html {
    private static final DateTimeFormatter UTC = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
            .withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter HM = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);

    private Html() {
    }

    /** Text safe in element content and in double- or single-quoted attributes. Null is empty. */
    static String esc(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    static String utc(Instant t) {
        return UTC.format(t);
    }

    static String hm(Instant t) {
        return HM.format(t);
    }

    /** "just now", "45 s", "12 min", "3 h", "2 d": how long ago {@code t} was, without the "ago". */
    static String span(Instant from, Instant to) {
        long s = Math.max(0, Duration.between(from, to).toSeconds());
        if (s < 60) {
            return s + " s";
        }
        if (s < 3600) {
            return s / 60 + " min";
        }
        if (s < 86400) {
            return s / 3600 + " h";
        }
        return s / 86400 + " d";
    }

    /** "just now" or "12 min ago". */
    static String ago(Instant t, Instant now) {
        return Duration.between(t, now).toSeconds() < 5 ? "just now" : span(t, now) + " ago";
    }

    /** "now" or "in 12 s". */
    static String in(Instant t, Instant now) {
        return Duration.between(now, t).toSeconds() < 1 ? "now" : "in " + span(now, t);
    }

    static String plural(long n, String one, String many) {
        return n + " " + (n == 1 ? one : many);
    }
}
