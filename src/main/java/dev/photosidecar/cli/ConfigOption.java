package dev.photosidecar.cli;

import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.jobs.Database;
import java.nio.file.Path;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;
import picocli.CommandLine.Option;

/** The {@code --config FILE} option every command shares, and what commands build from it. */
public final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file with settings (environment variables SIDECAR_* win over it)")
    Path file;

    SidecarConfig load() {
        return ConfigLoader.fromProcess(Optional.ofNullable(file));
    }

    Jdbi openLedger() {
        return Database.open(load().ledgerFile());
    }
}
