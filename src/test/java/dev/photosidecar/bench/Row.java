package dev.photosidecar.bench;

import java.util.Locale;

/**
 * One line of the report: the sidecar's figure against a reference measured in the same run.
 *
 * @param higherIsBetter whether a larger sidecar figure is better (throughput) or worse (time, latency)
 * @param target         the ratio the issue asks for, as text ("≥ 0.8"), or empty when the row is information only
 * @param targetMet      whether the ratio meets it (ignored when there is no target)
 */
record Row(String scenario, String metric, Series sidecar, String referenceName, Series reference,
           boolean higherIsBetter, String target, boolean targetMet, String note) {

    /** Sidecar median divided by reference median. */
    double ratio() {
        return sidecar.median() / reference.median();
    }

    String ratioText() {
        return String.format(Locale.ROOT, "%.2f×", ratio());
    }

    String verdict() {
        if (target.isEmpty()) {
            return "—";
        }
        return target + (targetMet ? " ✅" : " ❌ missed");
    }

    static Row throughput(String scenario, String metric, Series sidecar, String referenceName, Series reference,
                          double minRatio, String note) {
        double r = sidecar.median() / reference.median();
        String target = minRatio > 0 ? String.format(Locale.ROOT, "≥ %.1f×", minRatio) : "";
        return new Row(scenario, metric, sidecar, referenceName, reference, true, target, r >= minRatio, note);
    }

    static Row cost(String scenario, String metric, Series sidecar, String referenceName, Series reference,
                    double maxRatio, String note) {
        double r = sidecar.median() / reference.median();
        String target = maxRatio > 0 ? String.format(Locale.ROOT, "≤ %.1f×", maxRatio) : "";
        return new Row(scenario, metric, sidecar, referenceName, reference, false, target, r <= maxRatio, note);
    }
}
