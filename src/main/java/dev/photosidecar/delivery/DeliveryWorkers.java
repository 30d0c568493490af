package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.RetryPolicy;
import dev.photosidecar.spool.Spool;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery worker pool. A dispatcher claims due jobs (one guarded statement, under a lease) as
 * workers free up and hands each to a worker, which renders its path, delivers it to the target and
 * records the outcome. A housekeeper renews this process's leases and returns leases that ran out.
 *
 * <p>Failures follow the {@link RetryPolicy}: retryable ones come back after a backoff while attempts
 * last, permanent ones fail the job at once, and host outages wait without spending an attempt.
 */
public final class DeliveryWorkers implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DeliveryWorkers.class);
    /** How long the dispatcher sleeps at most when nothing is due (new uploads wake it sooner). */
    private static final Duration IDLE_POLL = Duration.ofSeconds(2);

    private final JobLedger ledger;
    private final DeviceRegistry devices;
    private final Spool spool;
    private final DeliveryTarget target;
    private final PathTemplate template;
    private final ZoneId zone;
    private final RetryPolicy retryPolicy;
    private final Clock clock;
    private final Duration lease;
    private final String owner;
    private final int workerCount;
    private final DoubleSupplier random;
    private final HostBreaker breaker = new HostBreaker();
    private final UserPauses userPauses = new UserPauses();
    private final ToLongFunction<String> credentialVersion;
    private volatile java.util.function.BooleanSupplier enabled = () -> true;
    private volatile DeliveryEvents events = DeliveryEvents.NONE;

    private final Semaphore freeWorkers;
    private final Object signal = new Object();
    private final AtomicInteger wakeups = new AtomicInteger();
    private final ExecutorService workers;
    private final ScheduledExecutorService housekeeper;
    private final Thread dispatcher;
    private volatile boolean running;
    private volatile boolean stopping;
    /** What stopped the dispatcher thread, if something did: only a restart brings it back. */
    private volatile Throwable dispatcherDied;
    private volatile java.util.concurrent.ScheduledFuture<?> leaseKeeper;
    /** Jobs whose worker died and whose lease could not be handed back then: the lease keeper hands them back. */
    private final java.util.Set<String> stranded = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public DeliveryWorkers(JobLedger ledger, DeviceRegistry devices, Spool spool, DeliveryTarget target,
                           PathTemplate template, ZoneId zone, RetryPolicy retryPolicy, Clock clock,
                           int workerCount, Duration lease, String owner, ToLongFunction<String> credentialVersion) {
        this.ledger = ledger;
        this.devices = devices;
        this.spool = spool;
        this.target = target;
        this.template = template;
        this.zone = zone;
        this.retryPolicy = retryPolicy;
        this.clock = clock;
        this.workerCount = workerCount;
        this.lease = lease;
        this.owner = owner;
        this.random = () -> ThreadLocalRandom.current().nextDouble();
        this.credentialVersion = credentialVersion;
        this.freeWorkers = new Semaphore(workerCount);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(workerCount, r -> daemon(r, "delivery-" + n.incrementAndGet()));
        this.housekeeper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lease-keeper"));
        this.dispatcher = daemon(this::dispatchLoop, "delivery-dispatcher");
        dispatcher.setUncaughtExceptionHandler((t, e) -> dispatcherDied = e);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    public void start() {
        running = true;
        long renewEvery = Math.max(1000, lease.toMillis() / 3);
        leaseKeeper = housekeeper.scheduleWithFixedDelay(this::keepLeases, renewEvery, renewEvery, TimeUnit.MILLISECONDS);
        dispatcher.start();
        log.info("Delivery: {} workers to the {} target, lease {}s", workerCount, target.name(), lease.toSeconds());
    }

    /** Something may be due now (a new upload, a retry): look without waiting for the next poll. */
    public void wake() {
        synchronized (signal) {
            wakeups.incrementAndGet();
            signal.notifyAll();
        }
    }

    private void dispatchLoop() {
        while (running) {
            int seen = wakeups.get();
            try {
                if (!enabled.getAsBoolean()) {
                    // Nextcloud disabled the ExApp: nothing is delivered until it enables it again.
                    waitForWork(seen, IDLE_POLL);
                    continue;
                }
                releasePausedUsers();
                if (breaker.isOpen() && !probeHost()) {
                    waitForWork(seen, untilNextProbe());
                    continue;
                }
                int free = freeWorkers.availablePermits();
                List<Job> claimed = free == 0 ? List.of() : ledger.claimDue(owner, free, lease, userPauses.pausedUsers());
                for (int i = 0; i < claimed.size(); i++) {
                    Job job = claimed.get(i);
                    freeWorkers.acquireUninterruptibly();
                    try {
                        workers.execute(() -> run(job));
                    } catch (Throwable e) {
                        // No worker took them (no thread could be made): they go back unspent, not leased forever.
                        freeWorkers.release();
                        claimed.subList(i, claimed.size()).forEach(j -> strand(j, e));
                        throw e;
                    }
                }
                if (!claimed.isEmpty() && claimed.size() == free) {
                    continue; // there may be more due; claim again as soon as a worker frees up
                }
                waitForWork(seen, free == 0 ? IDLE_POLL : untilNextDue());
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

    /** One job on a worker thread. Whatever it throws, the worker frees up and the job does not stay leased. */
    private void run(Job job) {
        try {
            deliver(job);
        } catch (Throwable e) {
            // deliver() handles every Exception; this is an Error (OutOfMemoryError, StackOverflowError, a broken
            // class). The attempt counts, like one that killed the process, so a job that keeps doing it ends.
            try {
                log.error("Delivery of job {} stopped with {}; it is retried later", job.id(), e.toString(), e);
                onFailure(job, FailureKind.RETRYABLE, "INTERNAL_ERROR: the delivery stopped with " + e, e, Optional.empty());
            } catch (Throwable again) {
                strand(job, e);
            }
        } finally {
            freeWorkers.release();
            wake();
        }
    }

    /** A job whose outcome could not be recorded: the lease keeper hands it back (or its lease runs out). */
    private void strand(Job job, Throwable why) {
        stranded.add(job.id());
        try {
            log.error("Job {} could not be handed to a worker or its outcome recorded ({}); it is handed back", job.id(),
                    why.toString());
        } catch (Throwable ignored) {
            // logging is best effort here
        }
    }

    /**
     * Whether deliveries can go on without a restart: the dispatcher and the lease keeper are alive. Failing
     * here is what {@code /healthz} and {@code /readyz} report as a 503.
     */
    public DeliveryTarget.Health health() {
        Throwable died = dispatcherDied;
        if (running && !dispatcher.isAlive()) {
            return new DeliveryTarget.Health(false, "the delivery dispatcher stopped"
                    + (died == null ? "" : " (" + died + ")") + "; nothing is delivered until the sidecar restarts");
        }
        java.util.concurrent.ScheduledFuture<?> keeper = leaseKeeper;
        if (running && keeper != null && keeper.isDone()) {
            return new DeliveryTarget.Health(false, "the lease keeper stopped; nothing is delivered safely until the sidecar"
                    + " restarts");
        }
        if (!running) {
            return new DeliveryTarget.Health(true, stopping ? "stopping" : "not started yet");
        }
        return new DeliveryTarget.Health(true, (workerCount - freeWorkers.availablePermits()) + " of " + workerCount
                + " workers busy" + (stranded.isEmpty() ? "" : ", " + stranded.size() + " job(s) to hand back"));
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

    private Duration untilNextProbe() {
        Duration d = Duration.between(clock.instant(), breaker.nextProbeAt().orElse(clock.instant()));
        return d.isNegative() ? Duration.ofMillis(10) : d.compareTo(IDLE_POLL) < 0 ? d : IDLE_POLL;
    }

    private void releasePausedUsers() {
        for (String user : userPauses.release(clock.instant(), credentialVersion)) {
            int due = ledger.makeDueNow(user);
            log.info("Deliveries for user {} resume ({} waiting job(s))", user, due);
        }
    }

    private Duration untilNextDue() {
        Optional<Instant> next = ledger.nextDueAt();
        if (next.isEmpty()) {
            return IDLE_POLL;
        }
        Duration d = Duration.between(clock.instant(), next.get());
        if (d.isNegative()) {
            return Duration.ofMillis(10);
        }
        return d.compareTo(IDLE_POLL) < 0 ? d : IDLE_POLL;
    }

    private void waitForWork(int seenWakeups, Duration max) {
        synchronized (signal) {
            if (wakeups.get() != seenWakeups || !running) {
                return;
            }
            try {
                signal.wait(Math.max(1, max.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                running = false;
            }
        }
    }

    private void deliver(Job job) {
        if (!retryPolicy.allowsAnotherAttempt(job.attempts() - 1)) {
            // Deliveries interrupted by crashes also count; a job that keeps killing its worker must end.
            ledger.markFailed(job.id(), owner, "gave up after " + (job.attempts() - 1) + " attempts"
                    + job.lastError().map(e -> "; last error: " + e).orElse(""));
            return;
        }
        if (ledger.olderSiblingInDelivery(job)) {
            // The other half of this Live Photo is landing now; its final name decides this one's.
            ledger.handBack(Optional.of(job.id()), owner, clock.instant().plusSeconds(1), Optional.empty());
            return;
        }
        try {
            List<String> path = template.render(new PathTemplate.Values(job.createdAt().atZone(zone), job.userId(),
                    devices.find(job.deviceId()).map(Device::name).orElse(job.deviceId()), job.filename(),
                    job.resourceType().wire()));
            int firstCopy = LivePhotoPairing.firstCopyNumber(ledger.deliveredSiblingPath(job), path.get(path.size() - 1));
            Delivered delivered = target.deliver(new DeliveryRequest(job, spool.pathOf(job.id()), path, firstCopy));
            if (ledger.markSucceeded(job.id(), owner, delivered.remotePath(), delivered.etag(), delivered.fileId())) {
                spool.remove(job.id());
                events.delivered(job, delivered, Duration.between(job.receivedAt(), clock.instant()));
                if (delivered.alreadyPresent()) {
                    log.info("Job {}: an identical file was already at {}", job.id(), delivered.remotePath());
                }
            } else {
                log.warn("Job {} was delivered to {} but its lease had been lost; it will be checked again",
                        job.id(), delivered.remotePath());
            }
        } catch (DeliveryFailure f) {
            onFailure(job, f.kind(), f.getMessage(), f.getCause(), f.retryAfter());
        } catch (IllegalArgumentException e) {
            onFailure(job, FailureKind.PERMANENT, e.getMessage(), null, Optional.empty());
        } catch (RuntimeException e) {
            onFailure(job, FailureKind.RETRYABLE, "unexpected error: " + e, e, Optional.empty());
        }
    }

    private void onFailure(Job job, FailureKind kind, String reason, Throwable cause, Optional<Duration> retryAfter) {
        Instant now = clock.instant();
        events.attemptFailed(job, kind, reason);
        if (stopping) {
            ledger.handBack(Optional.of(job.id()), owner, now, Optional.empty());
            return;
        }
        if (kind == FailureKind.PERMANENT || (kind.spendsAttempt() && !retryPolicy.allowsAnotherAttempt(job.attempts()))) {
            String error = kind == FailureKind.PERMANENT ? reason : reason + " (gave up after " + job.attempts() + " attempts)";
            if (ledger.markFailed(job.id(), owner, error)) {
                if (cause != null) {
                    log.debug("Job {} failed", job.id(), cause);
                }
            }
            return;
        }
        if (kind == FailureKind.HOST_UNAVAILABLE) {
            boolean wasOpen = breaker.isOpen();
            breaker.trip(now, reason, retryAfter);
            ledger.handBack(Optional.of(job.id()), owner, now, Optional.of(reason));
            if (!wasOpen) {
                log.warn("Pausing deliveries: the {} host is unavailable ({}); next probe at {}", target.name(), reason,
                        breaker.nextProbeAt().orElse(now));
            }
            return;
        }
        if (kind == FailureKind.USER_BLOCKED) {
            userPauses.pause(job.userId(), now, credentialVersion.applyAsLong(job.userId()), reason);
            ledger.handBack(Optional.of(job.id()), owner, now.plus(UserPauses.PAUSE), Optional.of(reason));
            return;
        }
        Duration backoff = retryPolicy.delay(job.attempts(), random.getAsDouble());
        // A host may ask for a longer wait than the backoff, never for one longer than the longest backoff.
        Duration wait = retryAfter.filter(r -> r.compareTo(backoff) > 0)
                .map(r -> r.compareTo(retryPolicy.maxDelay()) > 0 ? retryPolicy.maxDelay() : r).orElse(backoff);
        Instant next = now.plus(wait);
        ledger.reschedule(job.id(), owner, next, reason);
    }

    /** Where outcomes are reported (metrics). */
    public void reportTo(DeliveryEvents listener) {
        this.events = listener;
    }

    /** Deliveries run only while {@code switchOn} says so (an ExApp that Nextcloud disabled waits). */
    public void onlyWhile(java.util.function.BooleanSupplier switchOn) {
        this.enabled = switchOn;
    }

    /** Whether deliveries are paused because the host is unavailable (for status and tests). */
    public HostBreaker breaker() {
        return breaker;
    }

    private void keepLeases() {
        try {
            for (String id : List.copyOf(stranded)) {
                ledger.handBack(Optional.of(id), owner, clock.instant(), Optional.of("INTERNAL_ERROR: its delivery stopped"
                        + " before its outcome was recorded"));
                stranded.remove(id);
                wake();
            }
            ledger.renewLeases(owner, lease);
            int returned = ledger.returnExpiredLeases();
            if (returned > 0) {
                log.warn("Returned {} job(s) whose delivery lease ran out to pending", returned);
                wake();
            }
        } catch (Throwable e) {
            // Never let it end: a scheduled task that throws is silently never run again, and every lease would
            // then run out under running deliveries.
            log.error("Could not renew delivery leases", e);
        }
    }

    /**
     * Stops claiming, interrupts running deliveries, and hands every job this process holds back to
     * pending without spending its attempt.
     */
    @Override
    public void close() {
        stopping = true;
        running = false;
        wake();
        housekeeper.shutdownNow();
        workers.shutdownNow();
        try {
            dispatcher.join(5_000);
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
