package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.Units;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.server.DataGap;
import dev.photosidecar.server.LedgerGap;
import dev.photosidecar.spool.HeldFiles;
import dev.photosidecar.spool.Quarantine;
import java.util.Optional;

/**
 * {@code spool}: the ledger can be the one that wrote the spool ({@link LedgerGap}: {@code serve} refuses to start
 * otherwise), and nothing waits in {@code {data_dir}/quarantine/}, where start-up moves files no job knows.
 */
final class SpoolCheck {
    private SpoolCheck() {
    }

    /** @param ledger the opened ledger, or empty when there is none (or it could not be opened) */
    static CheckResult run(SidecarConfig config, Optional<Ledger> ledger) {
        Optional<DataGap> gap = ledger.isPresent() ? LedgerGap.ifEmpty(ledger.get(), config) : LedgerGap.ifMissing(config);
        if (gap.isPresent()) {
            return CheckResult.fail("spool", gap.get().problem() + " (serve refuses to start)", gap.get().fix());
        }
        Quarantine.Contents quarantined = Quarantine.contentsOf(config.quarantineDir());
        if (!quarantined.isEmpty()) {
            return CheckResult.fail("spool", quarantined.files() + " file(s) (" + Units.formatBytes(quarantined.bytes()) + ") in "
                    + quarantined.dir() + ": start-up moved them there because no job or upload in the ledger knew them",
                    "look through them (each is one upload's bytes, named by its job id); push the photos your library lacks"
                            + " again (photo-sidecar push), or restore the ledger they belong to, then delete the folder");
        }
        HeldFiles held = HeldFiles.in(config.spoolDir());
        return CheckResult.pass("spool", held.files() + " upload file(s) (" + Units.formatBytes(held.bytes()) + ") in "
                + config.spoolDir() + ", none in quarantine");
    }
}
