package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.TargetKind;
import dev.photosidecar.config.WebDavSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code photo-sidecar doctor}: checks, in the order a start needs them, that the configuration loads, the
 * data folder is usable with room above the spool reserve, the ledger is intact and migrated, the target
 * takes files (a writable library, or a WebDAV host that answers and lets every account in, with a clock
 * that agrees), and the ExApp registration is sound. It changes nothing but a probe file it deletes and
 * the ledger's schema (migrated as a start would).
 */
public final class Doctor {
    /** The doctor's own requests wait this long at most, so a silent host does not hang it for a minute. */
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(15);

    private final Map<String, String> environment;
    private final Optional<Path> configFile;
    private final Clock clock;

    public Doctor(Map<String, String> environment, Optional<Path> configFile, Clock clock) {
        this.environment = Map.copyOf(environment);
        this.configFile = configFile;
        this.clock = clock;
    }

    public List<CheckResult> run() {
        List<CheckResult> results = new ArrayList<>();
        SidecarConfig config;
        try {
            config = new ConfigLoader(environment, configFile).load();
        } catch (ConfigException e) {
            results.add(CheckResult.fail("config", e.getMessage().replace("\n  - ", " | ").replace(":\n", ": "),
                    "correct the settings named above in " + configFile.map(Path::toString).orElse("the SIDECAR_* environment")));
            return results;
        }
        results.add(CheckResult.pass("config", "loaded from " + configFile.map(f -> f + " and ").orElse("")
                + "the environment: target " + config.target().wireName() + config.webdav().map(w -> " " + w.baseUrl()).orElse("")
                + ", data folder " + config.dataDir()));
        results.add(guarded("data folder", () -> StorageChecks.writableFolder("data folder", config.dataDir(), "SIDECAR_DATA_DIR")));
        results.add(guarded("free space", () -> StorageChecks.freeSpace(config)));
        results.add(guarded("secret key", () -> SecretKeyCheck.run(config)));
        LedgerCheck.Outcome ledger;
        try {
            ledger = LedgerCheck.run(config);
        } catch (RuntimeException e) {
            ledger = new LedgerCheck.Outcome(unexpected("ledger", e), Optional.empty());
        }
        results.add(ledger.result());
        LedgerCheck.Outcome opened = ledger;
        results.add(guarded("spool", () -> SpoolCheck.run(config, opened.ledger())));

        Optional<HostProbe> probe = config.webdav().map(this::probe);
        if (config.target() == TargetKind.LOCAL) {
            results.add(guarded("target", () -> StorageChecks.writableFolder("target", config.libraryDir(), "SIDECAR_DATA_DIR")));
            results.add(CheckResult.skip("clock", "not needed for the local target"));
        } else {
            Optional<ExAppIdentity> exApp = Optional.empty();
            if (config.target() == TargetKind.NEXTCLOUD) {
                try {
                    exApp = ExAppIdentity.load(config.dataDir(), environment);
                } catch (ConfigException unreadable) {
                    // reported by the ExApp checks below
                }
            }
            Optional<ExAppIdentity> actingAs = exApp;
            try {
                results.addAll(new WebDavChecks(config, config.webdav().orElseThrow(), probe.orElseThrow())
                        .run(opened.ledger(), actingAs));
            } catch (RuntimeException e) {
                results.add(unexpected("host", e));
            }
        }
        try {
            results.addAll(ExAppChecks.run(config, probe));
        } catch (RuntimeException e) {
            results.add(unexpected("exapp", e));
        }
        // A PostgreSQL ledger keeps a connection pool open; SQLite's has nothing to close.
        opened.ledger().ifPresent(dev.photosidecar.ledger.Ledger::close);
        return results;
    }

    private HostProbe probe(WebDavSettings dav) {
        return new HostProbe(shorter(dav.connectTimeout()), shorter(dav.socketTimeout()), clock);
    }

    private static Duration shorter(Duration d) {
        return d.compareTo(LONGEST_WAIT) < 0 ? d : LONGEST_WAIT;
    }

    private static CheckResult guarded(String check, java.util.function.Supplier<CheckResult> body) {
        try {
            return body.get();
        } catch (RuntimeException e) {
            return unexpected(check, e);
        }
    }

    /** A check that broke is a failure too, never a stack trace instead of the other lines. */
    private static CheckResult unexpected(String check, RuntimeException e) {
        return CheckResult.fail(check, "the check itself failed: " + LedgerCheck.firstLine(e),
                "report this, with the output of photo-sidecar doctor --json");
    }
}
