package dev.photosidecar.config;

import java.util.List;

/** The configuration cannot be used; the message names every bad key and value at once. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(List<String> problems) {
        super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    }

    public ConfigException(String problem) {
        this(List.of(problem));
    }
}
