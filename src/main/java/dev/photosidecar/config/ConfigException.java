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

    private ConfigException(String message, boolean oneLine) {
        super(message);
    }

    /**
     * The settings are fine but the machine is not (a read-only or locked data folder): one line that names
     * the folder and says what to do, without the "invalid configuration" list around it.
     */
    public static ConfigException unusable(String problem) {
        return new ConfigException(problem, true);
    }
}
