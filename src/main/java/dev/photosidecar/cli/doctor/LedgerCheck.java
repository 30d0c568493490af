package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.ledger.Database;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.jdbi.v3.core.Jdbi;

/**
 * The ledger opens (which migrates it to this build's schema, as a start would) and SQLite finds it intact
 * ({@code PRAGMA integrity_check}). A missing ledger is fine: the first start creates it.
 */
final class LedgerCheck {
    /** The line, and the open ledger for the checks that read it (users, stored credentials). */
    record Outcome(CheckResult result, Optional<Jdbi> ledger) {
    }

    private LedgerCheck() {
    }

    static Outcome run(SidecarConfig config) {
        Path file = config.ledgerFile();
        if (!Files.exists(file)) {
            return new Outcome(CheckResult.pass("ledger", "no ledger yet at " + file + "; the first start creates it"),
                    Optional.empty());
        }
        Jdbi jdbi;
        try {
            jdbi = Database.open(file);
        } catch (RuntimeException e) {
            return new Outcome(CheckResult.fail("ledger", "cannot open " + file + ": " + firstLine(e),
                    "make the data folder writable; if the file is damaged, stop the sidecar and restore ledger.db "
                            + "together with spool/ from a backup"), Optional.empty());
        }
        try {
            List<String> integrity = jdbi.withHandle(h -> h.createQuery("PRAGMA integrity_check").mapTo(String.class).list());
            if (!integrity.equals(List.of("ok"))) {
                return new Outcome(CheckResult.fail("ledger", file + " is damaged: " + String.join("; ",
                        integrity.subList(0, Math.min(3, integrity.size()))),
                        "stop the sidecar and restore ledger.db together with spool/ from a backup"), Optional.of(jdbi));
            }
            String version = jdbi.withHandle(h -> h.createQuery(
                    "SELECT version FROM flyway_schema_history WHERE success = 1 ORDER BY installed_rank DESC LIMIT 1")
                    .mapTo(String.class).findOne().orElse("?"));
            long jobs = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM jobs").mapTo(Long.class).one());
            long failed = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM jobs WHERE state = 'failed'")
                    .mapTo(Long.class).one());
            return new Outcome(CheckResult.pass("ledger", file + ": integrity ok, schema version " + version + ", " + jobs
                    + " jobs" + (failed > 0 ? " (" + failed + " failed: photo-sidecar jobs list --state failed)" : "")),
                    Optional.of(jdbi));
        } catch (RuntimeException e) {
            return new Outcome(CheckResult.fail("ledger", "cannot read " + file + ": " + firstLine(e),
                    "stop the sidecar and restore ledger.db together with spool/ from a backup"), Optional.empty());
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
