package dev.photosidecar.delivery;

import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery workers as the dispatcher sees them: how many are free, and a way to start an attempt on one.
 * Whatever an attempt throws, its worker frees up and its job does not stay leased: an {@link Error} is that
 * job's failed attempt, and if even that cannot be recorded, the {@link LeaseKeeper} hands the job back.
 */
final class WorkerSlots {
    // The delivery workers' lines keep the logger name they had before the stages were split out.
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);

    private final int count;
    private final Semaphore free;
    private final Executor threads;
    private final DeliveryAttempt attempt;
    private final LeaseKeeper leases;
    private final WakeSignal signal;

    WorkerSlots(int count, Executor threads, DeliveryAttempt attempt, LeaseKeeper leases, WakeSignal signal) {
        this.count = count;
        this.free = new Semaphore(count);
        this.threads = threads;
        this.attempt = attempt;
        this.leases = leases;
        this.signal = signal;
    }

    int free() {
        return free.availablePermits();
    }

    int busy() {
        return count - free.availablePermits();
    }

    int count() {
        return count;
    }

    /** Starts the attempt of {@code job} on a free worker; throws (and frees the slot) if no thread takes it. */
    void start(Job job) {
        free.acquireUninterruptibly();
        try {
            threads.execute(() -> run(job));
        } catch (Throwable e) {
            free.release();
            throw e;
        }
    }

    private void run(Job job) {
        try {
            attempt.run(job);
        } catch (Throwable e) {
            // run() handles every Exception; this is an Error (OutOfMemoryError, StackOverflowError, a broken
            // class). The attempt counts, like one that killed the process, so a job that keeps doing it ends.
            try {
                log.error("Delivery of job {} stopped with {}; it is retried later", job.id(), e.toString(), e);
                attempt.failed(job, new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.INTERNAL_ERROR,
                        "INTERNAL_ERROR: the delivery stopped with " + e, e));
            } catch (Throwable again) {
                leases.strand(job, e);
            }
        } finally {
            free.release();
            signal.wake();
        }
    }
}
