package dev.photosidecar.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/** The repeated measurements of one figure: its median is what the report compares, min–max its spread. */
final class Series {
    private final String unit;
    private final List<Double> values = new ArrayList<>();

    Series(String unit) {
        this.unit = unit;
    }

    Series add(double value) {
        values.add(value);
        return this;
    }

    String unit() {
        return unit;
    }

    int count() {
        return values.size();
    }

    boolean isEmpty() {
        return values.isEmpty();
    }

    double median() {
        return percentile(values, 50);
    }

    double min() {
        return Collections.min(values);
    }

    double max() {
        return Collections.max(values);
    }

    /** "min–max" of the repetitions, in the same format as the median. */
    String spread() {
        if (values.size() < 2) {
            return "—";
        }
        return format(min()) + "–" + format(max());
    }

    List<Double> values() {
        return List.copyOf(values);
    }

    /** Nearest-rank percentile (p in 0..100) of an unsorted list. */
    static double percentile(List<Double> samples, double p) {
        if (samples.isEmpty()) {
            throw new IllegalStateException("no samples");
        }
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        if (p == 50 && sorted.size() % 2 == 0) {
            int mid = sorted.size() / 2;
            return (sorted.get(mid - 1) + sorted.get(mid)) / 2;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
    }

    /** Three significant digits, no exponent: 1234, 123, 12.3, 1.23, 0.123. */
    static String format(double v) {
        double a = Math.abs(v);
        if (a >= 100 || a == 0) {
            return String.format(Locale.ROOT, "%.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
