package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.sqlite.SqliteLedger;
import dev.photosidecar.server.Ledgers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The ledger opens (which migrates it to this build's schema, as a start would) and its database finds it intact
 * ({@link Ledger#health()}: SQLite's {@code PRAGMA integrity_check}). A missing ledger is fine: the first start
 * creates it. On PostgreSQL ({@code SIDECAR_DATABASE_URL}) the check is that the server lets this sidecar in, the
 * ledger's tables answer and no migration failed; the pages themselves are the server's to check.
 */
final class LedgerCheck {
    /** The line, and the open ledger for the checks that read it (users, stored credentials). */
    record Outcome(CheckResult result, Optional<Ledger> ledger) {
    }

    private LedgerCheck() {
    }

    static Outcome run(SidecarConfig config) {
        if (config.database().isPresent()) {
            return onServer(config);
        }
        Path file = config.ledgerFile();
        if (!Files.exists(file)) {
            return new Outcome(CheckResult.pass("ledger", "no ledger yet at " + file + "; the first start creates it"),
                    Optional.empty());
        }
        Ledger ledger;
        try {
            ledger = SqliteLedger.open(file, Clock.systemUTC());
        } catch (RuntimeException e) {
            return new Outcome(CheckResult.fail("ledger", "cannot open " + file + ": " + firstLine(e),
                    "make the data folder writable; if the file is damaged, stop the sidecar and restore ledger.db "
                            + "together with spool/ from a backup"), Optional.empty());
        }
        try {
            Ledger.Health health = ledger.health();
            if (!health.intact()) {
                return new Outcome(CheckResult.fail("ledger", file + " is damaged: " + String.join("; ",
                        health.problems().subList(0, Math.min(3, health.problems().size()))),
                        "stop the sidecar and restore ledger.db together with spool/ from a backup"), Optional.of(ledger));
            }
            Map<JobState, Long> counts = ledger.jobs().countByState();
            long jobs = counts.values().stream().mapToLong(Long::longValue).sum();
            long failed = counts.get(JobState.FAILED);
            return new Outcome(CheckResult.pass("ledger", file + ": integrity ok, schema version " + health.schemaVersion()
                    + ", " + jobs + " jobs" + (failed > 0 ? " (" + failed + " failed: photo-sidecar jobs list --state failed)" : "")),
                    Optional.of(ledger));
        } catch (RuntimeException e) {
            return new Outcome(CheckResult.fail("ledger", "cannot read " + file + ": " + firstLine(e),
                    "stop the sidecar and restore ledger.db together with spool/ from a backup"), Optional.empty());
        }
    }

    private static Outcome onServer(SidecarConfig config) {
        String where = Ledgers.where(config);
        Ledger ledger;
        try {
            ledger = Ledgers.openForCommand(config, Clock.systemUTC());
        } catch (RuntimeException e) {
            return new Outcome(CheckResult.fail("ledger", "cannot open the ledger on " + where + ": " + firstLine(e),
                    "check SIDECAR_DATABASE_URL, _USER and _PASSWORD, that the server is up and that this host may"
                            + " connect (pg_hba.conf); the user needs to create tables in the database the first time"),
                    Optional.empty());
        }
        try {
            Ledger.Health health = ledger.health();
            if (!health.intact()) {
                return new Outcome(CheckResult.fail("ledger", where + ": " + String.join("; ", health.problems()),
                        "repair the migration history (flyway_schema_history) or restore the database from pg_dump"),
                        Optional.of(ledger));
            }
            Map<JobState, Long> counts = ledger.jobs().countByState();
            long jobs = counts.values().stream().mapToLong(Long::longValue).sum();
            long failed = counts.get(JobState.FAILED);
            return new Outcome(CheckResult.pass("ledger", where + ": reachable, schema version " + health.schemaVersion()
                    + ", " + jobs + " jobs" + (failed > 0 ? " (" + failed + " failed: photo-sidecar jobs list --state failed)" : "")
                    + "; shared by every sidecar that uses it, backed up with pg_dump"), Optional.of(ledger));
        } catch (RuntimeException e) {
            ledger.close();
            return new Outcome(CheckResult.fail("ledger", "cannot read the ledger on " + where + ": " + firstLine(e),
                    "check the database user's rights on the ledger's tables"), Optional.empty());
        }
    }

    static String firstLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String m = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
        return m.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse(m);
    }
}
