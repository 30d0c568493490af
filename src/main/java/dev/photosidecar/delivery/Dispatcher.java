package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loop on the dispatcher thread: as workers free up, it claims due jobs (one guarded statement, under a
 * lease) and starts their attempts. It claims nothing while deliveries are switched off or the host breaker is
 * open (then it probes the host when due), skips users whose deliveries pause and lets them go when their pause
 * ends, and otherwise sleeps until the next job is due, at most {@link #IDLE_POLL}, unless woken.
 */
final class Dispatcher implements Runnable {
    // The delivery workers' lines keep the logger name they had before the stages were split out.
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);
    /** How long the dispatcher sleeps at most when nothing is due (new uploads wake it sooner). */
    static final Duration IDLE_POLL = Duration.ofSeconds(2);

    private final JobLedger ledger;
    private final DeliveryTarget target;
    private final HostBreaker breaker;
    private final UserPauses userPauses;
    private final ToLongFunction<String> credentialVersion;
    private final Clock clock;
    private final Duration lease;
    private final String owner;
    private final WorkerSlots workers;
    private final LeaseKeeper leases;
    private final WakeSignal signal;
    private final BooleanSupplier enabled;
    private volatile boolean running = true;

    /** @param enabled whether deliveries run at all, asked on every round (an ExApp that Nextcloud disabled waits) */
    Dispatcher(JobLedger ledger, DeliveryTarget target, HostBreaker breaker, UserPauses userPauses,
               ToLongFunction<String> credentialVersion, Clock clock, Duration lease, String owner, WorkerSlots workers,
               LeaseKeeper leases, WakeSignal signal, BooleanSupplier enabled) {
        this.ledger = ledger;
        this.target = target;
        this.breaker = breaker;
        this.userPauses = userPauses;
        this.credentialVersion = credentialVersion;
        this.clock = clock;
        this.lease = lease;
        this.owner = owner;
        this.workers = workers;
        this.leases = leases;
        this.signal = signal;
        this.enabled = enabled;
    }

    /** Ends the loop after its current round; the caller wakes it. */
    void stop() {
        running = false;
    }

    @Override
    public void run() {
        while (running) {
            int seen = signal.seen();
            try {
                round(seen);
            } catch (Throwable e) {
                // An Error too (an OutOfMemoryError in a claim): the dispatcher is the one thread that hands out
                // work, so it carries on. Should this very handler fail, the thread ends and health() says so.
                if (!running) {
                    break;
                }
                log.error("Delivery dispatcher hit an error; retrying shortly", e);
                waitForWork(seen, Duration.ofSeconds(1));
            }
        }
    }

    private void round(int seen) {
        if (!enabled.getAsBoolean()) {
            // Nextcloud disabled the ExApp: nothing is delivered until it enables it again.
            waitForWork(seen, IDLE_POLL);
            return;
        }
        releasePausedUsers();
        if (breaker.isOpen() && !probeHost()) {
            waitForWork(seen, untilNextProbe());
            return;
        }
        int free = workers.free();
        List<Job> claimed = free == 0 ? List.of() : ledger.claimDue(owner, free, lease, userPauses.pausedUsers());
        for (int i = 0; i < claimed.size(); i++) {
            Job job = claimed.get(i);
            try {
                workers.start(job);
            } catch (Throwable e) {
                // No worker took them (no thread could be made): they go back unspent, not leased forever.
                claimed.subList(i, claimed.size()).forEach(j -> leases.strand(j, e));
                throw e;
            }
        }
        if (!claimed.isEmpty() && claimed.size() == free) {
            return; // there may be more due; claim again as soon as a worker frees up
        }
        waitForWork(seen, free == 0 ? IDLE_POLL : untilNextDue());
    }

    /** While the host is paused: probe it when due; true once it answers again. */
    private boolean probeHost() {
        Instant now = clock.instant();
        if (!breaker.probeDue(now)) {
            return false;
        }
        DeliveryTarget.Health health = target.health();
        if (health.ok()) {
            breaker.reset();
            log.info("The {} host answers again; deliveries resume", target.name());
            return true;
        }
        breaker.probeFailed(now, health.detail());
        log.info("The {} host is still unavailable ({}); next probe at {}", target.name(), health.detail(),
                breaker.nextProbeAt().orElse(now));
        return false;
    }

    private void releasePausedUsers() {
        for (String user : userPauses.release(clock.instant(), credentialVersion)) {
            int due = ledger.makeDueNow(user);
            log.info("Deliveries for user {} resume ({} waiting job(s))", user, due);
        }
    }

    private Duration untilNextProbe() {
        return boundedWait(breaker.nextProbeAt().orElse(clock.instant()));
    }

    /**
     * Until the next job the dispatcher may claim falls due, or a pause runs out. A paused user's jobs are due but
     * are not claimed, so they must not set the wait: counting them made the dispatcher poll the ledger every 10 ms
     * for as long as a pause lasted (a pause is lifted early by a credential change, seen within {@link #IDLE_POLL}).
     */
    private Duration untilNextDue() {
        Optional<Instant> next = ledger.nextDueAt(userPauses.pausedUsers());
        Optional<Instant> pauseEnds = userPauses.firstEnd();
        if (pauseEnds.isPresent() && (next.isEmpty() || pauseEnds.get().isBefore(next.get()))) {
            next = pauseEnds;
        }
        return next.isEmpty() ? IDLE_POLL : boundedWait(next.get());
    }

    /** The wait until {@code at}: at least 10 ms, at most {@link #IDLE_POLL}. */
    private Duration boundedWait(Instant at) {
        Duration d = Duration.between(clock.instant(), at);
        return d.isNegative() ? Duration.ofMillis(10) : d.compareTo(IDLE_POLL) < 0 ? d : IDLE_POLL;
    }

    private void waitForWork(int seen, Duration max) {
        if (!running) {
            return;
        }
        if (!signal.await(seen, max)) {
            running = false;
        }
    }
}
