package dev.photosidecar.push;

import java.util.Locale;

/** Rates and durations the way people read them in a progress line or a summary. */
final class Human {
    private Human() {
    }

    /** Decimal megabytes per second, as network speeds are quoted: "112 MB/s", "4.1 MB/s", "0.35 MB/s". */
    static String rate(double bytesPerSecond) {
        double mb = bytesPerSecond / 1e6;
        return String.format(Locale.ROOT, mb >= 10 ? "%.0f MB/s" : mb >= 1 ? "%.1f MB/s" : "%.2f MB/s", mb);
    }

    /** "850ms", "12.3s", "4m05s", "2h07m". */
    static String duration(long millis) {
        if (millis < 1000) {
            return millis + "ms";
        }
        if (millis < 60_000) {
            return String.format(Locale.ROOT, "%.1fs", millis / 1000.0);
        }
        long s = millis / 1000;
        if (s < 3600) {
            return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
        }
        return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
}
