package dev.photosidecar.delivery;

import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.LastError;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's delivery leases alive while their attempts run, returns leases that ran out (whoever
 * held them) to pending, and hands back the jobs whose outcome could not be recorded (stranded), so that no
 * job stays leased to a worker that is gone. Run every {@link #interval()} by the delivery workers' timer.
 */
final class LeaseKeeper {
    // The delivery workers' lines keep the logger name they had before the stages were split out.
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);

    private final JobLedger ledger;
    private final Clock clock;
    private final Duration lease;
    private final String owner;
    private final WakeSignal signal;
    /** Jobs whose worker died and whose lease could not be handed back then. */
    private final Set<String> stranded = ConcurrentHashMap.newKeySet();

    LeaseKeeper(JobLedger ledger, Clock clock, Duration lease, String owner, WakeSignal signal) {
        this.ledger = ledger;
        this.clock = clock;
        this.lease = lease;
        this.owner = owner;
        this.signal = signal;
    }

    /** A third of the lease, so that two renewals may fail before one runs out; at least a second. */
    Duration interval() {
        return Duration.ofMillis(Math.max(1000, lease.toMillis() / 3));
    }

    /** A job whose outcome could not be recorded: handed back on the next round (or its lease runs out). */
    void strand(Job job, Throwable why) {
        stranded.add(job.id());
        try {
            log.error("Job {} could not be handed to a worker or its outcome recorded ({}); it is handed back", job.id(),
                    why.toString());
        } catch (Throwable ignored) {
            // logging is best effort here
        }
    }

    /** How many stranded jobs wait to be handed back (for the health check). */
    int strandedCount() {
        return stranded.size();
    }

    /** One round. Never throws: a scheduled task that throws is silently never run again. */
    void keep() {
        try {
            for (String id : List.copyOf(stranded)) {
                ledger.handBack(id, owner, clock.instant(), LastError.of(FailureCode.INTERNAL_ERROR,
                        "INTERNAL_ERROR: its delivery stopped before its outcome was recorded"));
                stranded.remove(id);
                signal.wake();
            }
            ledger.renewLeases(owner, lease);
            int returned = ledger.returnExpiredLeases();
            if (returned > 0) {
                log.warn("Returned {} job(s) whose delivery lease ran out to pending", returned);
                signal.wake();
            }
        } catch (Throwable e) {
            // Never let it end: every lease would then run out under running deliveries.
            log.error("Could not renew delivery leases", e);
        }
    }
}
