package dev.photosidecar.ledger;

import java.util.Optional;

/**
 * Why a job's last delivery attempt failed: the stable {@code code} for machines (its own column, empty when the
 * caller had only text) and the {@code message} for people, as the device API and the status page show it.
 */
public record LastError(Optional<FailureCode> code, String message) {
    public LastError {
        if (code == null || message == null) {
            throw new IllegalArgumentException("a last error needs a code (or none) and a message, got " + code + " and "
                    + message);
        }
    }

    public static LastError of(FailureCode code, String message) {
        return new LastError(Optional.of(code), message);
    }

    /** An error known only as text: its code is stored as none, never left over from an earlier error. */
    public static LastError textOnly(String message) {
        return new LastError(Optional.empty(), message);
    }

    /** The code as stored in {@code last_error_code}: the enum's name, or null. */
    public String codeName() {
        return code.map(FailureCode::name).orElse(null);
    }
}
