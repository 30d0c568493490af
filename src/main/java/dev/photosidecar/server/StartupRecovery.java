package dev.photosidecar.server;

import dev.photosidecar.config.Units;
import dev.photosidecar.http.resumable.ResumableUploads;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.spool.SpoolSweep;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Repairs what the last run left behind, in the order docs/architecture.md ("Start-up recovery") gives, before the
 * sidecar takes a request or delivers a job: leases returned, the spool swept (unknown files to quarantine), jobs whose
 * spool copy is gone failed, and unfinished resumable uploads set right. Step 1 of that list, the data folder's lock
 * and the refusals that keep data from being lost, comes before the ledger is even opened ({@link App#start}).
 */
public final class StartupRecovery {
    // Logged under App, as these lines always were: operators and the crash tests look for them.
    private static final Logger log = LoggerFactory.getLogger(App.class);

    private final JobLedger jobs;
    private final ResumableLedger resumableLedger;
    private final Spool spool;
    private final ResumableUploads resumable;
    private final String owner;
    private final boolean aloneOnSpool;

    /** A recovery with the spool to itself (the embedded ledger's case, behind an exclusive spool lock). */
    public StartupRecovery(JobLedger jobs, ResumableLedger resumableLedger, Spool spool, ResumableUploads resumable,
                           String owner) {
        this(jobs, resumableLedger, spool, resumable, owner, true);
    }

    /**
     * @param owner        this process's lease owner: leases of any other owner were held by a run that has ended
     * @param aloneOnSpool whether no other sidecar holds the spool ({@code SpoolDirLock.alone()}); when others do,
     *                     the sweep leaves what may be their work in progress
     */
    public StartupRecovery(JobLedger jobs, ResumableLedger resumableLedger, Spool spool, ResumableUploads resumable,
                           String owner, boolean aloneOnSpool) {
        this.aloneOnSpool = aloneOnSpool;
        this.jobs = jobs;
        this.resumableLedger = resumableLedger;
        this.spool = spool;
        this.resumable = resumable;
        this.owner = owner;
    }

    /** Runs every step, in order. */
    public void run() {
        returnLeases();
        SpoolSweep sweep = sweepSpool();
        failLostSpoolCopies(sweep);
        resumable.recover();
    }

    /**
     * Step 2: jobs that were being delivered go back to pending, due now; the interrupted attempt stays counted. The
     * ledger knows which leases that is: every lease but this process's on a ledger only one process uses, only the
     * expired ones on a shared one.
     */
    private void returnLeases() {
        int revived = jobs.returnLeasesAtStartUp(owner);
        if (revived > 0) {
            log.info("Recovered {} job(s) that were being delivered when the last run stopped", revived);
        }
    }

    /** Step 3: unanswered bodies and copies of ended jobs go, files nobody knows go to quarantine. */
    private SpoolSweep sweepSpool() {
        Set<String> unfinished = new HashSet<>();
        resumableLedger.all().forEach(u -> unfinished.add(u.id()));
        // An unfinished upload's finished file may sit in ready/ (a crash while finishing): it goes back, not away.
        Set<String> needed = new HashSet<>(jobs.idsHoldingSpoolCopies());
        needed.addAll(unfinished);
        SpoolSweep sweep;
        try {
            sweep = spool.sweep(needed, unfinished, jobs::existingIds, aloneOnSpool);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool: " + e.getMessage(), e);
        }
        if (sweep.unansweredRemoved() + sweep.endedRemoved() > 0) {
            log.info("Spool recovery: removed {} partial upload(s) and {} file(s) no job needs (their jobs have ended)",
                    sweep.unansweredRemoved(), sweep.endedRemoved());
        }
        sweep.quarantined().ifPresent(moved -> log.warn("Spool recovery: {} file(s) ({}) that no job or upload in the ledger"
                        + " knows were moved to {}, not deleted: they may be photos whose jobs a lost or older ledger does"
                        + " not have. Look through them, then delete the folder (docs/operations.md, \"Quarantine\")",
                moved.files(), Units.formatBytes(moved.bytes()), moved.folder()));
        if (sweep.unknownLeft() > 0) {
            log.info("Spool recovery: {} file(s) in ready/ or partial/ that the ledger does not know (yet) were left where"
                    + " they are: other sidecars use this spool, and they may be uploads those are receiving right now. A"
                    + " start that finds the spool to itself moves what is still unknown then to quarantine",
                    sweep.unknownLeft());
        }
        return sweep;
    }

    /** Step 4: a job that still needs its spool copy but has none fails; its key stays taken. */
    private void failLostSpoolCopies(SpoolSweep sweep) {
        int lost = jobs.failLostSpoolCopies(sweep.missing(),
                "the spool copy of this upload is missing (found at start-up); upload it again");
        if (lost > 0) {
            log.error("{} job(s) lost their spool copy and were marked failed: {}", lost, sweep.missing());
        }
    }
}
