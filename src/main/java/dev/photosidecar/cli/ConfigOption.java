package dev.photosidecar.cli;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.server.LedgerGap;
import dev.photosidecar.server.Ledgers;
import dev.photosidecar.server.SecretKeyGap;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The {@code --config FILE} option every command shares, and what commands build from it. */
public final class ConfigOption {
    @Option(names = "--config", paramLabel = "FILE",
            description = "YAML file with settings (environment variables SIDECAR_* win over it)")
    Path file;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /**
     * The file named on this command or on any command above it, so that both
     * {@code photo-sidecar --config f device list} and {@code photo-sidecar device list --config f} work.
     */
    Optional<Path> file() {
        for (CommandSpec spec = command; spec != null; spec = spec.parent()) {
            for (CommandSpec mixin : spec.mixins().values()) {
                if (mixin.userObject() instanceof ConfigOption option && option.file != null) {
                    return Optional.of(option.file);
                }
            }
        }
        return Optional.ofNullable(file);
    }

    SidecarConfig load() {
        return ConfigLoader.fromProcess(file());
    }

    /** The ledger, refusing (as serve does) to create one beside a spool that holds uploads. */
    Ledger openLedger() {
        return openLedger(load());
    }

    /** The stored credentials, refusing (as serve does) to make a new key beside passwords sealed with a missing one. */
    dev.photosidecar.ledger.CredentialStore openCredentials() {
        SidecarConfig config = load();
        Ledger ledger = openLedger(config);
        SecretKeyGap.problem(ledger, config.secretKey(), config.dataDir()).ifPresent(gap -> {
            throw ConfigException.unusable(gap.line());
        });
        return ledger.credentials(dev.photosidecar.config.SecretBox.load(config.secretKey(), config.dataDir()));
    }

    /** The one place the CLI chooses the ledger's implementation: a command's short calls need no pool. */
    private static Ledger openLedger(SidecarConfig config) {
        LedgerGap.ifMissing(config).ifPresent(gap -> {
            throw ConfigException.unusable(gap.line());
        });
        return Ledgers.openForCommand(config, java.time.Clock.systemUTC());
    }
}
