package dev.photosidecar.cli;

import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.ledger.postgres.PostgresLedger;
import dev.photosidecar.ledger.sqlite.LedgerBackup;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code photo-sidecar backup FILE}: a consistent copy of the ledger, safe while the server runs. The
 * secret key and the spool are plain files the operator copies beside it (docs/operations.md). A ledger on
 * PostgreSQL is refused with a pointer to {@code pg_dump}.
 */
@Command(name = "backup", description = "Copy the ledger to FILE while the sidecar may be running (never overwrites).",
        mixinStandardHelpOptions = true)
public final class BackupCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;
    @Spec
    CommandSpec spec;
    @Parameters(index = "0", paramLabel = "FILE", description = "where the copy goes; must not exist")
    Path file;
    @Option(names = "--json", description = "print JSON")
    boolean json;

    @Override
    public Integer call() {
        SidecarConfig settings = config.load();
        PrintWriter out = spec.commandLine().getOut();
        if (settings.database().isPresent()) {
            // A database server's ledger is copied with the server's own tools, which know its consistency rules.
            spec.commandLine().getErr().println("photo-sidecar backup: " + PostgresLedger.BACKUP_ADVICE);
            spec.commandLine().getErr().flush();
            return 1;
        }
        LedgerBackup.Copy copy;
        try {
            copy = LedgerBackup.copy(settings.ledgerFile(), file);
        } catch (LedgerBackup.BackupException e) {
            spec.commandLine().getErr().println("photo-sidecar backup: " + e.getMessage());
            spec.commandLine().getErr().flush();
            return 1;
        }
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("file", copy.file().toString());
            m.put("bytes", copy.bytes());
            m.put("jobs", copy.jobs());
            Output.json(out, m);
        } else {
            out.println("Backed up the ledger to " + copy.file() + " (" + copy.bytes() + " bytes, " + copy.jobs()
                    + " jobs; integrity check ok).");
            out.println("Also keep " + settings.dataDir().resolve("secret.key")
                    + " (unless SIDECAR_SECRET_KEY is set) and the spool folder " + settings.spoolDir()
                    + ": see docs/operations.md.");
            out.flush();
        }
        return 0;
    }
}
