package dev.photosidecar.delivery;

import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.RetryPolicy;
import dev.photosidecar.names.PathTemplate;
import dev.photosidecar.spool.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery worker pool: owns the threads of the delivery stages and their start and stop. The
 * {@link Dispatcher} claims due jobs as workers free up and starts a {@link DeliveryAttempt} for each on a
 * worker; {@link OutcomePolicy} judges a failed attempt and {@link OutcomeRecorder} applies the judgment; the
 * {@link LeaseKeeper} renews this process's leases while attempts run and returns leases that ran out.
 */
public final class DeliveryWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);

    private final DeliveryTarget target;
    private final JobLedger ledger;
    private final Clock clock;
    private final Duration lease;
    private final String owner;
    private final HostBreaker breaker;
    private final UserPauses userPauses;

    private final WakeSignal signal = new WakeSignal();
    private final LeaseKeeper leases;
    private final WorkerSlots slots;
    private final Dispatcher dispatcher;
    private final ExecutorService workers;
    private final ScheduledExecutorService housekeeper;
    private final Thread dispatcherThread;
    private volatile boolean running;
    private volatile boolean stopping;
    /** What stopped the dispatcher thread, if something did: only a restart brings it back. */
    private volatile Throwable dispatcherDied;
    private volatile ScheduledFuture<?> leaseKeeper;

    /**
     * @param breaker   the host breaker the workers open and close (shared with metrics and the status page)
     * @param events    where outcomes are reported (metrics)
     * @param switchOn  deliveries run only while it says so (an ExApp that Nextcloud disabled waits)
     */
    public DeliveryWorkers(JobLedger ledger, DeviceRegistry devices, Spool spool, DeliveryTarget target,
                           PathTemplate template, ZoneId zone, RetryPolicy retryPolicy, Clock clock,
                           int workerCount, Duration lease, String owner, ToLongFunction<String> credentialVersion,
                           HostBreaker breaker, DeliveryEvents events, BooleanSupplier switchOn) {
        this.breaker = breaker;
        this.ledger = ledger;
        this.target = target;
        this.clock = clock;
        this.lease = lease;
        this.owner = owner;
        this.userPauses = new UserPauses();
        OutcomeRecorder recorder = new OutcomeRecorder(ledger, breaker, this.userPauses, credentialVersion, target.name(), owner);
        DeliveryAttempt attempt = new DeliveryAttempt(ledger, devices, spool, target, template, zone,
                new OutcomePolicy(retryPolicy), recorder, clock, owner, () -> ThreadLocalRandom.current().nextDouble(),
                () -> stopping, () -> events);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(workerCount, r -> daemon(r, "delivery-" + n.incrementAndGet()));
        this.housekeeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lease-keeper"));
        this.leases = new LeaseKeeper(ledger, clock, lease, owner, signal);
        this.slots = new WorkerSlots(workerCount, workers, attempt, leases, signal);
        this.dispatcher = new Dispatcher(ledger, target, breaker, userPauses, credentialVersion, clock, lease, owner, slots,
                leases, signal, switchOn);
        this.dispatcherThread = daemon(dispatcher, "delivery-dispatcher");
        dispatcherThread.setUncaughtExceptionHandler((t, e) -> dispatcherDied = e);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public void start() {
        running = true;
        long renewEvery = leases.interval().toMillis();
        leaseKeeper = housekeeper.scheduleWithFixedDelay(leases::keep, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        dispatcherThread.start();
        log.info("Delivery: {} workers to the {} target, lease {}s", slots.count(), target.name(), lease.toSeconds());
    }

    /**
     * A job of {@code userId} fell due (a new upload): look at once, unless the user's deliveries pause, when the job
     * waits for the pause to end anyway. Waking the dispatcher for each of them cost a claim and two ledger reads per
     * upload while a user's backup was held (docs/performance.md, issue 17).
     */
    public void jobDue(String userId) {
        if (!userPauses.isPaused(userId)) {
            signal.wake();
        }
    }

    /** Something may be due now (a new upload, a retry): look without waiting for the next poll. */
    public void wake() {
        signal.wake();
    }

    /**
     * Whether deliveries can go on without a restart: the dispatcher and the lease keeper are alive. Failing
     * here is what {@code /healthz} and {@code /readyz} report as a 503.
     */
    public DeliveryTarget.Health health() {
        Throwable died = dispatcherDied;
        if (running && !dispatcherThread.isAlive()) {
            return new DeliveryTarget.Health(false, "the delivery dispatcher stopped"
                    + (died == null ? "" : " (" + died + ")") + "; nothing is delivered until the sidecar restarts");
        }
        ScheduledFuture<?> keeper = leaseKeeper;
        if (running && keeper != null && keeper.isDone()) {
            return new DeliveryTarget.Health(false, "the lease keeper stopped; nothing is delivered safely until the sidecar"
                    + " restarts");
        }
        if (!running) {
            return new DeliveryTarget.Health(true, stopping ? "stopping" : "not started yet");
        }
        int stranded = leases.strandedCount();
        return new DeliveryTarget.Health(true, slots.busy() + " of " + slots.count() + " workers busy"
                + (stranded == 0 ? "" : ", " + stranded + " job(s) to hand back"));
    }

    /** Whether deliveries are paused because the host is unavailable (for status and tests). */
    public HostBreaker breaker() {
        return breaker;
    }

    /**
     * Stops claiming, interrupts running deliveries, and hands every job this process holds back to
     * pending without spending its attempt.
     */
    @Override
    public void close() {
        stopping = true;
        running = false;
        dispatcher.stop();
        wake();
        housekeeper.shutdownNow();
        workers.shutdownNow();
        try {
            dispatcherThread.join(5_000);
            if (!workers.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("Some deliveries did not stop in time; their jobs are handed back anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int handedBack = ledger.handBack(Optional.empty(), owner, clock.instant(), Optional.empty());
        if (handedBack > 0) {
            log.info("Handed {} job(s) in delivery back to pending", handedBack);
        }
    }
}
