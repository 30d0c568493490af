package dev.photosidecar.cli.doctor;

import java.util.Optional;

/**
 * One line of {@code photo-sidecar doctor}: what was checked, whether it passed, what was found (with
 * numbers where there are some) and, for a failure, how to fix it.
 */
public record CheckResult(String check, Status status, String detail, Optional<String> fix) {

    /** PASS and FAIL say whether the sidecar will work; SKIP marks a check that does not apply here. */
    public enum Status {
        PASS, FAIL, SKIP
    }

    public static CheckResult pass(String check, String detail) {
        return new CheckResult(check, Status.PASS, detail, Optional.empty());
    }

    public static CheckResult fail(String check, String detail, String fix) {
        return new CheckResult(check, Status.FAIL, detail, Optional.of(fix));
    }

    public static CheckResult skip(String check, String detail) {
        return new CheckResult(check, Status.SKIP, detail, Optional.empty());
    }

    public boolean failed() {
        return status == Status.FAIL;
    }

    /** The detail, and for a failure "; fix with: …". */
    public String text() {
        return detail + fix.map(f -> "; fix with: " + f).orElse("");
    }
}
