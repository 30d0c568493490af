package dev.photosidecar.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.support.MutableClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every ledger implementation must do, tested through the interfaces only: the guarded transitions (and the
 * races they must survive), leases against a settable clock, the typed refusals, resumable uploads, devices,
 * credentials, chunk progress, statistics and the start-up lease rule. A database gets the whole suite by a
 * subclass that opens a fresh, empty ledger on it ({@link #openLedger}) and carries its tier tag.
 */
public abstract class LedgerContractTest {
    protected static final Duration LEASE = Duration.ofMinutes(1);

    @TempDir
    protected Path scratch;

    protected final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    protected Ledger ledger;
    protected JobLedger jobs;
    protected Device phone;

    /** A new, empty ledger (migrated to the newest schema) whose "now" is {@code clock}. */
    protected abstract Ledger openLedger(Clock clock) throws Exception;

    /**
     * The ledger {@link #openLedger} opened last, as another process would open it: its own connections to the same
     * database (a second replica on PostgreSQL, the CLI beside the server on SQLite). The suite closes it.
     */
    protected abstract Ledger openAnotherProcess(Clock clock) throws Exception;

    @BeforeEach
    void open() throws Exception {
        ledger = openLedger(clock);
        jobs = ledger.jobs();
        phone = ledger.devices().add("alice", "phone").device();
    }

    private final List<Ledger> others = new ArrayList<>();

    @AfterEach
    void close() {
        others.forEach(Ledger::close);
        if (ledger != null) {
            ledger.close();
        }
    }

    private Ledger another() throws Exception {
        Ledger other = openAnotherProcess(clock);
        others.add(other);
        return other;
    }

    /** Runs every task at once (released together) and returns what each returned or threw, in order. */
    private static List<Object> race(List<Callable<?>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> futures = new ArrayList<>();
            for (Callable<?> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return task.call();
                }));
            }
            start.countDown();
            List<Object> outcomes = new ArrayList<>();
            for (Future<?> f : futures) {
                try {
                    outcomes.add(f.get());
                } catch (java.util.concurrent.ExecutionException e) {
                    outcomes.add(e.getCause());
                }
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
        }
    }

    private static int counter;

    protected Job insert(Device device, String key) {
        return jobs.insert(new NewJob(Ids.jobId(), device.id(), device.userId(), key, key + ".jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", 10 + (counter++ % 7), "a".repeat(64), Optional.empty()));
    }

    protected Job insert(String key) {
        return insert(phone, key);
    }

    private Job claimOne(String owner) {
        List<Job> claimed = jobs.claimDue(owner, 1, LEASE);
        assertThat(claimed).hasSize(1);
        return claimed.get(0);
    }

    private JobState stateOf(Job job) {
        return jobs.find(job.id()).orElseThrow().state();
    }

    // ---- intake and reads ---------------------------------------------------------------------------

    @Test
    void anInsertedJobIsPendingDueNowAndFoundByIdKeyAndDevice() {
        Job job = insert("k");
        assertThat(job.state()).isEqualTo(JobState.PENDING);
        assertThat(job.attempts()).isZero();
        assertThat(job.nextAttemptAt()).hasValue(clock.instant());
        assertThat(jobs.find(job.id())).hasValue(job);
        assertThat(jobs.findByKey(phone.id(), "k")).hasValue(job);
        assertThat(jobs.findForDevice(phone.id(), job.id())).hasValue(job);
        Device tablet = ledger.devices().add("alice", "tablet").device();
        assertThat(jobs.findForDevice(tablet.id(), job.id())).as("another device's job does not exist").isEmpty();
        assertThat(jobs.existingIds(Set.of(job.id(), "nope"))).containsExactly(job.id());
    }

    @Test
    void aKeyHoldsOneJobPerDevice() {
        insert("same");
        assertThatThrownBy(() -> insert("same")).isInstanceOf(DuplicateKeyException.class);
        Device tablet = ledger.devices().add("alice", "tablet").device();
        assertThat(insert(tablet, "same").key()).isEqualTo("same");
        assertThat(jobs.countByState().get(JobState.PENDING)).isEqualTo(2);
    }

    @Test
    void listingPagesNewestFirstAndFiltersByState() {
        List<Job> made = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            made.add(insert("k" + i));
        }
        JobPage first = jobs.listForDevice(phone.id(), Optional.empty(), 2, Optional.empty());
        assertThat(first.jobs()).extracting(Job::key).containsExactly("k4", "k3");
        JobPage second = jobs.listForDevice(phone.id(), Optional.empty(), 2, first.nextBeforeSeq());
        assertThat(second.jobs()).extracting(Job::key).containsExactly("k2", "k1");
        JobPage last = jobs.listForDevice(phone.id(), Optional.empty(), 2, second.nextBeforeSeq());
        assertThat(last.jobs()).extracting(Job::key).containsExactly("k0");
        assertThat(last.nextBeforeSeq()).isEmpty();

        jobs.cancel(phone.id(), made.get(1).id());
        assertThat(jobs.listForDevice(phone.id(), Optional.of(JobState.CANCELLED), 10, Optional.empty()).jobs())
                .extracting(Job::key).containsExactly("k1");
        assertThat(jobs.list(Optional.of("alice"), Optional.of(JobState.PENDING), 10)).hasSize(4);
        assertThat(jobs.list(Optional.of("bob"), Optional.empty(), 10)).isEmpty();
        assertThat(jobs.knownKeys(phone.id(), List.of("k1", "k2", "k9")))
                .containsExactlyInAnyOrderEntriesOf(Map.of("k1", JobState.CANCELLED, "k2", JobState.PENDING));
    }

    // ---- claims and leases -------------------------------------------------------------------------

    @Test
    void twoClaimersAtOnceNeverGetTheSameJob() throws Exception {
        for (int i = 0; i < 60; i++) {
            insert("k" + i);
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Callable<List<String>>> claimers = new ArrayList<>();
            for (String owner : List.of("worker-a", "worker-b")) {
                claimers.add(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>();
                    List<Job> batch;
                    while (!(batch = jobs.claimDue(owner, 3, LEASE)).isEmpty()) {
                        batch.forEach(j -> {
                            assertThat(j.leaseOwner()).hasValue(owner);
                            mine.add(j.id());
                        });
                    }
                    return mine;
                });
            }
            List<Future<List<String>>> results = new ArrayList<>();
            for (Callable<List<String>> c : claimers) {
                results.add(pool.submit(c));
            }
            start.countDown();
            List<String> all = new ArrayList<>();
            for (Future<List<String>> f : results) {
                all.addAll(f.get());
            }
            assertThat(all).hasSize(60).doesNotHaveDuplicates();
        } finally {
            pool.shutdownNow();
        }
        assertThat(jobs.countByState().get(JobState.DELIVERING)).isEqualTo(60);
    }

    @Test
    void anInsertForARevokedDeviceIsRefusedAndADuplicateStaysADuplicate() {
        insert("k");
        Device other = ledger.devices().add("alice", "tablet").device();
        assertThat(ledger.devices().revoke(other.id())).isTrue();

        assertThatThrownBy(() -> insert(other, "k2")).isInstanceOf(LedgerException.Unauthorized.class)
                .hasMessageContaining("revoked");
        assertThat(jobs.findByKey(other.id(), "k2")).isEmpty();
        assertThatThrownBy(() -> insert("k")).isInstanceOf(DuplicateKeyException.class);
        assertThat(insert("k3").state()).isEqualTo(JobState.PENDING);
    }

    @Test
    void theNextDueTimeLeavesOutSkippedUsersWhoseJobsAreDueButNotClaimed() {
        Job alices = insert("k");
        Device bobs = ledger.devices().add("bob", "phone").device();
        Job bobsJob = insert(bobs, "k");
        assertThat(jobs.claimDue("w", 10, LEASE, List.of("alice"))).extracting(Job::id).containsExactly(bobsJob.id());
        assertThat(jobs.reschedule(bobsJob.id(), "w", clock.instant().plusSeconds(90), "host said 503")).isTrue();

        assertThat(jobs.nextDueAt()).hasValue(alices.receivedAt());
        assertThat(jobs.nextDueAt(List.of("alice"))).hasValue(clock.instant().plusSeconds(90));
        assertThat(jobs.nextDueAt(List.of("alice", "bob"))).isEmpty();
    }

    @Test
    void aClaimCountsTheAttemptTakesOnlyDueJobsAndSkipsPausedUsers() {
        Job alices = insert("k");
        Device bobs = ledger.devices().add("bob", "phone").device();
        Job bobsJob = insert(bobs, "k");
        assertThat(jobs.claimDue("w", 10, LEASE, List.of("alice"))).extracting(Job::id).containsExactly(bobsJob.id());
        Job claimed = claimOne("w");
        assertThat(claimed.id()).isEqualTo(alices.id());
        assertThat(claimed.attempts()).isEqualTo(1);
        assertThat(claimed.nextAttemptAt()).isEmpty();

        assertThat(jobs.reschedule(alices.id(), "w", clock.instant().plusSeconds(60), "host said 500")).isTrue();
        Job waiting = jobs.find(alices.id()).orElseThrow();
        assertThat(waiting.state()).isEqualTo(JobState.PENDING);
        assertThat(waiting.lastError()).hasValue("host said 500");
        assertThat(jobs.nextDueAt()).hasValue(clock.instant().plusSeconds(60));
        assertThat(jobs.claimDue("w", 10, LEASE)).isEmpty();
        clock.advance(Duration.ofSeconds(61));
        assertThat(claimOne("w").attempts()).isEqualTo(2);
    }

    @Test
    void aPausedUsersWaitingJobsBecomeDueNow() {
        Job job = insert("k");
        claimOne("w");
        jobs.reschedule(job.id(), "w", clock.instant().plus(Duration.ofHours(1)), "paused");
        assertThat(jobs.makeDueNow("alice")).isEqualTo(1);
        assertThat(jobs.find(job.id()).orElseThrow().nextAttemptAt()).hasValue(clock.instant());
    }

    @Test
    void aRenewedLeaseOutlivesItsFirstTermAndAnExpiredOneReturnsTheJobWithItsAttemptCounted() {
        Job dead = insert("a");
        Job live = insert("b");
        claimOne("dead-worker");
        clock.advance(Duration.ofSeconds(30));
        claimOne("live-worker");
        clock.advance(Duration.ofSeconds(45));
        assertThat(jobs.renewLeases("live-worker", LEASE)).isEqualTo(1);

        assertThat(jobs.returnExpiredLeases()).isEqualTo(1);
        Job returned = jobs.find(dead.id()).orElseThrow();
        assertThat(returned.state()).isEqualTo(JobState.PENDING);
        assertThat(returned.attempts()).isEqualTo(1);
        assertThat(returned.leaseOwner()).isEmpty();
        assertThat(stateOf(live)).isEqualTo(JobState.DELIVERING);

        clock.advance(Duration.ofSeconds(61));
        assertThat(jobs.returnExpiredLeases()).isEqualTo(1);
        assertThat(stateOf(live)).isEqualTo(JobState.PENDING);
    }

    @Test
    void handingBackDoesNotSpendTheAttemptAndKeepsOrSetsTheReason() {
        Job one = insert("a");
        Job two = insert("b");
        jobs.claimDue("w", 2, LEASE);
        Instant later = clock.instant().plusSeconds(5);
        assertThat(jobs.handBack(Optional.of(one.id()), "w", later, Optional.of("HOST_UNAVAILABLE: refused"))).isEqualTo(1);
        Job back = jobs.find(one.id()).orElseThrow();
        assertThat(back.state()).isEqualTo(JobState.PENDING);
        assertThat(back.attempts()).isZero();
        assertThat(back.nextAttemptAt()).hasValue(later);
        assertThat(back.lastError()).hasValue("HOST_UNAVAILABLE: refused");

        assertThat(jobs.handBack(Optional.empty(), "someone-else", clock.instant(), Optional.empty())).isZero();
        assertThat(jobs.handBack(Optional.empty(), "w", clock.instant(), Optional.empty())).isEqualTo(1);
        assertThat(jobs.find(two.id()).orElseThrow().lastError()).isEmpty();
    }

    @Test
    void onlyTheLeaseHolderFinishesAJob() {
        Job job = insert("k");
        claimOne("owner");
        assertThat(jobs.markSucceeded(job.id(), "intruder", "x.jpg", Optional.empty())).isFalse();
        assertThat(jobs.markFailed(job.id(), "intruder", "boom")).isFalse();
        assertThat(jobs.reschedule(job.id(), "intruder", clock.instant(), "boom")).isFalse();
        assertThat(stateOf(job)).isEqualTo(JobState.DELIVERING);

        assertThat(jobs.markSucceeded(job.id(), "owner", "Photos/x.jpg", Optional.of("\"etag\""), Optional.of("42"))).isTrue();
        Job done = jobs.find(job.id()).orElseThrow();
        assertThat(done.state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(done.remotePath()).hasValue("Photos/x.jpg");
        assertThat(done.remoteEtag()).hasValue("\"etag\"");
        assertThat(done.remoteFileId()).hasValue("42");
        assertThat(done.deliveredAt()).hasValue(clock.instant());
        assertThat(jobs.markSucceeded(job.id(), "owner", "Photos/x.jpg", Optional.empty())).as("only once").isFalse();
        assertThat(jobs.deliveredSiblingPath(insert("other"))).isEmpty();
    }

    @Test
    void aWorkerWhoseLeaseExpiredAndWasTakenOverCannotFinishTheJob() {
        Job job = insert("k");
        claimOne("slow");
        clock.advance(LEASE.plusSeconds(1));
        jobs.returnExpiredLeases();
        claimOne("fresh");
        assertThat(jobs.markSucceeded(job.id(), "slow", "x.jpg", Optional.empty())).isFalse();
        assertThat(jobs.markSucceeded(job.id(), "fresh", "x.jpg", Optional.empty())).isTrue();
    }

    // ---- the device's and the operator's transitions ---------------------------------------------------

    @Test
    void claimVersusCancelOneOfThemWins() {
        Job claimedFirst = insert("a");
        claimOne("w");
        assertThatThrownBy(() -> jobs.cancel(phone.id(), claimedFirst.id())).isInstanceOf(LedgerException.WrongState.class)
                .hasMessageContaining("is delivering");

        Job cancelledFirst = insert("b");
        Transition cancelled = jobs.cancel(phone.id(), cancelledFirst.id());
        assertThat(cancelled.from()).hasValue(JobState.PENDING);
        assertThat(cancelled.to()).hasValue(JobState.CANCELLED);
        assertThat(jobs.claimDue("w", 10, LEASE)).isEmpty();
    }

    @Test
    void claimAndCancelRacingEndEveryJobInExactlyOneOfTheirStates() throws Exception {
        List<Job> made = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            made.add(insert("k" + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch start = new CountDownLatch(1);
            Future<List<String>> claimer = pool.submit(() -> {
                start.await();
                List<String> got = new ArrayList<>();
                List<Job> batch;
                while (!(batch = jobs.claimDue("w", 2, LEASE)).isEmpty()) {
                    batch.forEach(j -> got.add(j.id()));
                }
                return got;
            });
            Future<List<String>> canceller = pool.submit(() -> {
                start.await();
                List<String> cancelled = new ArrayList<>();
                for (Job j : made) {
                    try {
                        jobs.cancel(phone.id(), j.id());
                        cancelled.add(j.id());
                    } catch (LedgerException.WrongState lost) {
                        // the claimer was first
                    }
                }
                return cancelled;
            });
            start.countDown();
            List<String> claimed = claimer.get();
            List<String> cancelled = canceller.get();
            assertThat(claimed).noneMatch(cancelled::contains);
            assertThat(claimed.size() + cancelled.size()).isEqualTo(made.size());
            for (Job j : made) {
                assertThat(stateOf(j)).isEqualTo(claimed.contains(j.id()) ? JobState.DELIVERING : JobState.CANCELLED);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void cancelAndRetryRefuseUnknownJobsOtherDevicesJobsAndWrongStates() {
        Job job = insert("k");
        Device tablet = ledger.devices().add("alice", "tablet").device();
        assertThatThrownBy(() -> jobs.cancel(tablet.id(), job.id())).isInstanceOf(LedgerException.NotFound.class);
        assertThatThrownBy(() -> jobs.cancel(phone.id(), "aaaaaaaaaaaaaaaaaaaaaaaaaa")).isInstanceOf(LedgerException.NotFound.class)
                .hasMessage("no such job: aaaaaaaaaaaaaaaaaaaaaaaaaa");
        assertThatThrownBy(() -> jobs.retry(phone.id(), job.id())).isInstanceOf(LedgerException.WrongState.class)
                .hasMessage("job " + job.id() + " is pending; only failed jobs can be retried");
        jobs.cancel(phone.id(), job.id());
        assertThatThrownBy(() -> jobs.cancel(phone.id(), job.id())).isInstanceOf(LedgerException.WrongState.class)
                .hasMessage("job " + job.id() + " is cancelled; only failed or pending jobs can be cancelled");
    }

    @Test
    void aFailedJobIsRetriedRevivedOrCancelledWithFreshAttempts() {
        Job job = insert("k");
        claimOne("w");
        assertThat(jobs.markFailed(job.id(), "w", "PERMANENT: 400")).isTrue();
        Job failed = jobs.find(job.id()).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.lastError()).hasValue("PERMANENT: 400");
        assertThat(jobs.idsHoldingSpoolCopies()).contains(job.id());

        Transition retried = jobs.retry(phone.id(), job.id());
        assertThat(retried.from()).hasValue(JobState.FAILED);
        assertThat(retried.job().state()).isEqualTo(JobState.PENDING);
        assertThat(retried.job().attempts()).isZero();
        assertThat(retried.job().lastError()).isEmpty();

        assertThat(jobs.reviveFailed(phone.id(), job.id())).as("not failed any more").isEmpty();
        claimOne("w");
        jobs.markFailed(job.id(), "w", "PERMANENT: 400");
        Job revived = jobs.reviveFailed(phone.id(), job.id()).orElseThrow();
        assertThat(revived.state()).isEqualTo(JobState.PENDING);
        assertThat(revived.attempts()).isZero();

        claimOne("w");
        jobs.markFailed(job.id(), "w", "PERMANENT: 400");
        assertThat(jobs.cancel(phone.id(), job.id(), "by an operator").from()).hasValue(JobState.FAILED);
        assertThat(jobs.idsHoldingSpoolCopies()).doesNotContain(job.id());
    }

    @Test
    void acknowledgeTakesAllTheJobsOrNone() {
        Job delivered = insert("a");
        Job failed = insert("b");
        Job waiting = insert("c");
        jobs.claimDue("w", 2, LEASE);
        jobs.markSucceeded(delivered.id(), "w", "a.jpg", Optional.empty());
        jobs.markFailed(failed.id(), "w", "PERMANENT: 415");

        assertThatThrownBy(() -> jobs.acknowledge(phone.id(), List.of(delivered.id(), waiting.id())))
                .isInstanceOfSatisfying(LedgerException.WrongState.class, e -> assertThat(e.ids()).containsExactly(waiting.id()));
        assertThatThrownBy(() -> jobs.acknowledge(phone.id(), List.of(delivered.id(), "aaaaaaaaaaaaaaaaaaaaaaaaaa")))
                .isInstanceOfSatisfying(LedgerException.NotFound.class,
                        e -> assertThat(e.ids()).containsExactly("aaaaaaaaaaaaaaaaaaaaaaaaaa"));
        assertThat(stateOf(delivered)).as("nothing changed").isEqualTo(JobState.SUCCEEDED);

        List<Transition> done = jobs.acknowledge(phone.id(), List.of(failed.id(), delivered.id(), failed.id()));
        assertThat(done).extracting(t -> t.job().id()).containsExactly(failed.id(), delivered.id());
        assertThat(done).extracting(t -> t.from().orElseThrow()).containsExactly(JobState.FAILED, JobState.SUCCEEDED);
        assertThat(done).allSatisfy(t -> assertThat(t.job().state()).isEqualTo(JobState.ACKNOWLEDGED));
        assertThat(jobs.acknowledge(phone.id(), List.of())).isEmpty();
    }

    @Test
    void operatorsRetryEveryFailedJobOfOneUserOrAll() {
        Device bobs = ledger.devices().add("bob", "phone").device();
        Job a = insert("a");
        Job b = insert(bobs, "b");
        jobs.claimDue("w", 2, LEASE);
        jobs.markFailed(a.id(), "w", "x");
        jobs.markFailed(b.id(), "w", "y");

        assertThat(jobs.retryAllFailed(Optional.of("bob"))).extracting(t -> t.job().id()).containsExactly(b.id());
        assertThat(stateOf(a)).isEqualTo(JobState.FAILED);
        assertThat(jobs.retryAllFailed(Optional.empty())).extracting(t -> t.job().id()).containsExactly(a.id());
        assertThat(jobs.retryAllFailed(Optional.empty())).isEmpty();
    }

    @Test
    void jobsWhoseSpoolCopyIsLostFailFromWhereTheyWere() {
        Job pending = insert("a");
        Job delivering = insert("b");
        Job done = insert("c");
        jobs.claimDue("w", 3, LEASE);
        jobs.markSucceeded(done.id(), "w", "c.jpg", Optional.empty());
        jobs.handBack(Optional.of(pending.id()), "w", clock.instant(), Optional.empty());

        assertThat(jobs.failLostSpoolCopies(List.of(pending.id(), delivering.id(), done.id()), "lost")).isEqualTo(2);
        assertThat(jobs.find(pending.id()).orElseThrow().lastError()).hasValue("lost");
        assertThat(stateOf(delivering)).isEqualTo(JobState.FAILED);
        assertThat(stateOf(done)).isEqualTo(JobState.SUCCEEDED);
        assertThat(jobs.failLostSpoolCopies(List.of(), "lost")).isZero();
    }

    @Test
    void theStartUpLeaseRuleFollowsWhetherTheLedgerIsShared() {
        Job othersLive = insert("a");
        Job othersExpired = insert("b");
        Job mine = insert("c");
        claimOne("expired-process");
        clock.advance(LEASE.plusSeconds(1));
        claimOne("live-process");
        claimOne("me");

        int returned = jobs.returnLeasesAtStartUp("me");

        assertThat(ledger.shared()).isEqualTo(jobs.shared());
        assertThat(stateOf(othersLive)).isEqualTo(JobState.PENDING);
        assertThat(stateOf(mine)).isEqualTo(JobState.DELIVERING);
        if (jobs.shared()) {
            // Another process may be delivering right now: only a lease nobody renewed is given back.
            assertThat(returned).isEqualTo(1);
            assertThat(stateOf(othersExpired)).isEqualTo(JobState.DELIVERING);
        } else {
            // Alone on the ledger: every lease but this process's is dead.
            assertThat(returned).isEqualTo(2);
            assertThat(stateOf(othersExpired)).isEqualTo(JobState.PENDING);
        }
    }

    // ---- several processes on one ledger -----------------------------------------------------------------

    @Test
    void claimersInTwoProcessesWithTwoWorkersEachNeverGetTheSameJob() throws Exception {
        for (int i = 0; i < 80; i++) {
            insert("k" + i);
        }
        Ledger replica = another();
        List<Callable<?>> claimers = new ArrayList<>();
        for (JobLedger process : List.of(jobs, replica.jobs())) {
            for (int worker = 0; worker < 2; worker++) {
                String owner = (process == jobs ? "first" : "second") + "-process-worker-" + worker;
                claimers.add(() -> {
                    List<String> mine = new ArrayList<>();
                    List<Job> batch;
                    while (!(batch = process.claimDue(owner, 3, LEASE)).isEmpty()) {
                        batch.forEach(j -> mine.add(j.id()));
                    }
                    return mine;
                });
            }
        }
        List<String> all = new ArrayList<>();
        for (Object outcome : race(claimers)) {
            assertThat(outcome).as("a claimer failed").isInstanceOf(List.class);
            ((List<?>) outcome).forEach(id -> all.add((String) id));
        }
        assertThat(all).hasSize(80).doesNotHaveDuplicates();
        assertThat(jobs.countByState().get(JobState.DELIVERING)).isEqualTo(80);
    }

    @Test
    void twoProcessesInsertingOneNewKeyAtOnceLeaveOneJobAndTheLoserGetsTheDuplicateKeyError() throws Exception {
        Ledger replica = another();
        for (int round = 0; round < 10; round++) {
            String key = "race-" + round;
            List<Object> outcomes = race(List.of(() -> insert(phone, key), () -> replica.jobs().insert(
                    new NewJob(Ids.jobId(), phone.id(), phone.userId(), key, key + ".jpg", ResourceType.PHOTO,
                            Optional.empty(), "image/jpeg", 10, "b".repeat(64), Optional.empty()))));
            assertThat(outcomes).as("round %d", round).filteredOn(Job.class::isInstance).hasSize(1);
            assertThat(outcomes).as("round %d", round).filteredOn(DuplicateKeyException.class::isInstance).hasSize(1);
            Job winner = (Job) outcomes.stream().filter(Job.class::isInstance).findFirst().orElseThrow();
            assertThat(jobs.findByKey(phone.id(), key)).hasValue(winner);
        }
        assertThat(jobs.countByState().get(JobState.PENDING)).isEqualTo(10);
    }

    @Test
    void aResumableUploadAndAPlainUploadRacingForOneKeyLeaveOneJob() throws Exception {
        Ledger replica = another();
        for (int round = 0; round < 10; round++) {
            String key = "race-" + round;
            String uploadId = Ids.jobId();
            List<Object> outcomes = race(List.of(() -> insert(phone, key), () -> {
                replica.resumable().create(upload(uploadId, key, true));
                return uploadId;
            }));
            assertThat(outcomes).as("round %d", round).filteredOn(DuplicateKeyException.class::isInstance).hasSize(1);
            Job kept = jobs.findByKey(phone.id(), key).orElseThrow();
            if (outcomes.get(1) instanceof DuplicateKeyException) {
                assertThat(kept.state()).isEqualTo(JobState.PENDING);
                assertThat(ledger.resumable().find(uploadId)).as("nothing of the loser is kept").isEmpty();
            } else {
                assertThat(kept.id()).isEqualTo(uploadId);
                assertThat(kept.state()).isEqualTo(JobState.RECEIVING);
            }
        }
    }

    @Test
    void aLostRaceChangesNothingAndIsAnAnswerNeverAnError() throws Exception {
        Ledger replica = another();
        // Two workers finishing one job they both think they hold: only the lease holder's change counts.
        Job job = insert("k");
        claimOne("slow");
        clock.advance(LEASE.plusSeconds(1));
        assertThat(replica.jobs().returnExpiredLeases()).isEqualTo(1);
        assertThat(replica.jobs().claimDue("fresh", 1, LEASE)).hasSize(1);
        List<Object> finishing = race(List.of(
                () -> jobs.markSucceeded(job.id(), "slow", "slow.jpg", Optional.empty()),
                () -> replica.jobs().markSucceeded(job.id(), "fresh", "fresh.jpg", Optional.empty())));
        assertThat(finishing).containsExactly(false, true);
        assertThat(jobs.markFailed(job.id(), "slow", "boom")).isFalse();
        assertThat(jobs.reschedule(job.id(), "slow", clock.instant(), "boom")).isFalse();
        assertThat(jobs.handBack(Optional.of(job.id()), "slow", clock.instant(), Optional.empty())).isZero();
        assertThat(jobs.find(job.id()).orElseThrow().remotePath()).hasValue("fresh.jpg");

        // The same failed job revived by two processes at once (the phone's retry landing on two replicas).
        Job failed = insert("f");
        claimOne("w");
        jobs.markFailed(failed.id(), "w", "PERMANENT: 400");
        List<Object> revivals = race(List.of(() -> jobs.reviveFailed(phone.id(), failed.id()),
                () -> replica.jobs().reviveFailed(phone.id(), failed.id())));
        assertThat(revivals).filteredOn(o -> o instanceof Optional<?> r && r.isPresent()).hasSize(1);
        assertThat(revivals).filteredOn(o -> o instanceof Optional<?> r && r.isEmpty()).hasSize(1);

        // A resumable upload finished through two processes at once: one finishes it, the other finds it done.
        String id = Ids.jobId();
        ledger.resumable().create(upload(id, "r", true));
        List<Object> finishes = race(List.of(() -> ledger.resumable().finishReceiving(id, 5, "c".repeat(64)),
                () -> replica.resumable().finishReceiving(id, 5, "c".repeat(64))));
        assertThat(finishes).filteredOn(o -> o instanceof Optional<?> r && r.isPresent()).hasSize(1);
        assertThat(finishes).filteredOn(o -> o instanceof Optional<?> r && r.isEmpty()).hasSize(1);
    }

    @Test
    void twoProcessesAcknowledgingOverlappingJobsInOppositeOrdersOneWinsTheOtherIsRefused() throws Exception {
        Ledger replica = another();
        for (int round = 0; round < 5; round++) {
            Job a = insert("a" + round);
            Job b = insert("b" + round);
            jobs.claimDue("w", 2, LEASE);
            jobs.markSucceeded(a.id(), "w", "a.jpg", Optional.empty());
            jobs.markFailed(b.id(), "w", "PERMANENT: 415");
            List<Object> outcomes = race(List.of(() -> jobs.acknowledge(phone.id(), List.of(a.id(), b.id())),
                    () -> replica.jobs().acknowledge(phone.id(), List.of(b.id(), a.id()))));
            assertThat(outcomes).as("round %d: %s", round, outcomes).filteredOn(List.class::isInstance).hasSize(1);
            assertThat(outcomes).as("round %d: %s", round, outcomes)
                    .filteredOn(LedgerException.WrongState.class::isInstance).hasSize(1);
            assertThat(stateOf(a)).isEqualTo(JobState.ACKNOWLEDGED);
            assertThat(stateOf(b)).isEqualTo(JobState.ACKNOWLEDGED);
        }
    }

    // ---- resumable uploads -------------------------------------------------------------------------

    private ResumableUpload upload(String id, String key, boolean withJob) {
        return new ResumableUpload(id, "tus", phone.id(), phone.userId(), key, withJob ? Optional.of(id) : Optional.empty(),
                key + ".mov", ResourceType.VIDEO, Optional.of("asset-1"), "video/quicktime", Optional.empty(),
                OptionalLong.empty(), Optional.empty(), clock.instant(), clock.instant().plus(Duration.ofHours(24)));
    }

    @Test
    void aResumableUploadOfANewKeyHoldsAReceivingJobUntilItIsFinished() {
        ResumableLedger resumable = ledger.resumable();
        String id = Ids.jobId();
        resumable.create(upload(id, "r", true));
        Job receiving = jobs.findByKey(phone.id(), "r").orElseThrow();
        assertThat(receiving.state()).isEqualTo(JobState.RECEIVING);
        assertThat(receiving.sha256()).isNull();
        assertThat(jobs.idsHoldingSpoolCopies()).contains(id);
        assertThatThrownBy(() -> resumable.create(upload(Ids.jobId(), "r", true))).isInstanceOf(DuplicateKeyException.class);
        assertThat(resumable.countForDevice(phone.id())).isEqualTo(1);

        resumable.setUploadLength(id, 1234);
        assertThat(resumable.findForDevice(phone.id(), id).orElseThrow().uploadLength()).hasValue(1234);
        assertThat(jobs.find(id).orElseThrow().size()).isEqualTo(1234);

        Job pending = resumable.finishReceiving(id, 1234, "b".repeat(64)).orElseThrow();
        assertThat(pending.state()).isEqualTo(JobState.PENDING);
        assertThat(pending.sha256()).isEqualTo("b".repeat(64));
        assertThat(pending.nextAttemptAt()).hasValue(clock.instant());
        assertThat(resumable.find(id)).as("the upload row goes with it").isEmpty();
        assertThat(resumable.finishReceiving(id, 1234, "b".repeat(64))).as("only once").isEmpty();
    }

    @Test
    void removingAnUnfinishedUploadFreesItsKeyAndExpiryFollowsTheClock() {
        ResumableLedger resumable = ledger.resumable();
        String id = Ids.jobId();
        resumable.create(upload(id, "r", true));
        assertThat(resumable.expiredAt(clock.instant())).isEmpty();
        resumable.touch(id, clock.instant().plusSeconds(10));
        clock.advance(Duration.ofSeconds(10));
        assertThat(resumable.expiredAt(clock.instant())).extracting(ResumableUpload::id).containsExactly(id);

        resumable.remove(id);
        assertThat(resumable.find(id)).isEmpty();
        assertThat(jobs.find(id)).as("its receiving job goes too").isEmpty();
        resumable.create(upload(Ids.jobId(), "r", true));
        assertThat(resumable.findByKey(phone.id(), "r")).hasSize(1);
    }

    @Test
    void anUploadOfAKnownKeyHasNoJobAndIsForgottenWhenJudged() {
        ResumableLedger resumable = ledger.resumable();
        insert("known");
        String id = Ids.jobId();
        resumable.create(upload(id, "known", false));
        assertThat(resumable.find(id).orElseThrow().jobId()).isEmpty();
        assertThat(resumable.all()).extracting(ResumableUpload::id).containsExactly(id);
        resumable.forget(id);
        assertThat(resumable.all()).isEmpty();
        assertThat(jobs.findByKey(phone.id(), "known")).isPresent();
    }

    @Test
    void receivingJobsWithoutAnUploadAreRemovedAtStartUp() {
        ResumableLedger resumable = ledger.resumable();
        String kept = Ids.jobId();
        resumable.create(upload(kept, "kept", true));
        String stranded = Ids.jobId();
        resumable.create(upload(stranded, "stranded", true));
        resumable.forget(stranded);
        assertThat(resumable.removeStrandedReceivingJobs()).isEqualTo(1);
        assertThat(jobs.find(stranded)).isEmpty();
        assertThat(jobs.find(kept)).isPresent();
        assertThat(ledger.holdsNothing()).isFalse();
    }

    // ---- devices, credentials, chunk progress -----------------------------------------------------------

    @Test
    void aDevicesTokenWorksUntilItIsRevoked() {
        DeviceRegistry devices = ledger.devices();
        EnrolledDevice tablet = devices.add("bob", "tablet");
        assertThat(tablet.token()).startsWith("psc_");
        assertThat(devices.authenticate(tablet.token())).isEqualTo(tablet.device());
        assertThatThrownBy(() -> devices.authenticate("psc_nothing")).isInstanceOf(LedgerException.Unauthorized.class);
        assertThat(devices.users()).containsExactly("alice", "bob");
        assertThat(devices.countActive()).isEqualTo(2);
        devices.requireStillActive(tablet.device());

        assertThat(devices.revoke(tablet.device().id())).isTrue();
        assertThat(devices.revoke(tablet.device().id())).as("already revoked").isFalse();
        assertThatThrownBy(() -> devices.authenticate(tablet.token())).isInstanceOf(LedgerException.Unauthorized.class);
        assertThatThrownBy(() -> devices.requireStillActive(tablet.device())).isInstanceOf(LedgerException.Unauthorized.class);
        assertThat(devices.find(tablet.device().id()).orElseThrow().isActive()).isFalse();
        assertThat(devices.list()).hasSize(2);
        assertThat(devices.countActive()).isEqualTo(1);
        assertThatThrownBy(() -> devices.add("../x", "phone")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void credentialsAreStoredSealedAndVersioned() {
        CredentialStore store = ledger.credentials(SecretBox.load(Optional.empty(), scratch));
        assertThat(store.version("alice")).isZero();
        store.set("alice", "alice@cloud", "app-password");
        assertThat(store.find("alice")).hasValue(new Credentials("alice@cloud", "app-password"));
        long first = store.version("alice");
        assertThat(first).isEqualTo(clock.millis());
        clock.advance(Duration.ofSeconds(1));
        store.set("alice", "alice@cloud", "new-password");
        assertThat(store.version("alice")).isGreaterThan(first);
        assertThat(store.list()).extracting(CredentialStore.Entry::userId).containsExactly("alice");
        assertThat(ledger.usersWithStoredCredentials()).containsExactly("alice");
        assertThat(store.remove("alice")).isTrue();
        assertThat(store.remove("alice")).isFalse();
        assertThat(store.find("alice")).isEmpty();
    }

    @Test
    void chunkProgressRemembersTheUploadFolderAndTheConfirmedChunks() {
        Job job = insert("big");
        ChunkProgress chunks = ledger.chunks();
        assertThat(chunks.find(job.id())).isEmpty();
        chunks.start(job.id(), "sidecar-1", 5_000_000);
        chunks.recordDone(job.id(), new TreeSet<>(List.of(3, 1, 2)));
        assertThat(chunks.find(job.id())).hasValue(new ChunkProgress.Upload(job.id(), "sidecar-1", 5_000_000,
                new TreeSet<>(List.of(1, 2, 3))));
        chunks.start(job.id(), "sidecar-2", 6_000_000);
        assertThat(chunks.find(job.id()).orElseThrow().chunksDone()).as("a new folder starts over").isEmpty();
        chunks.forget(job.id());
        assertThat(chunks.find(job.id())).isEmpty();
    }

    // ---- statistics ----------------------------------------------------------------------------------

    @Test
    void statisticsCountWhatTheJobsDid() {
        LedgerStats stats = ledger.stats();
        assertThat(ledger.holdsNothing()).isTrue();
        Job delivered = insert("a");
        Job failed = insert("b");
        Job waiting = insert("c");
        jobs.claimDue("w", 2, LEASE);
        clock.advance(Duration.ofMinutes(3));
        jobs.markSucceeded(delivered.id(), "w", "a.jpg", Optional.empty());
        jobs.markFailed(failed.id(), "w", "PERMANENT: 415");

        assertThat(stats.now()).isEqualTo(clock.instant());
        assertThat(stats.countByState()).containsEntry(JobState.SUCCEEDED, 1L).containsEntry(JobState.FAILED, 1L)
                .containsEntry(JobState.PENDING, 1L).containsEntry(JobState.CANCELLED, 0L);
        assertThat(stats.spoolHolding()).isEqualTo(new LedgerStats.Holding(2, failed.size() + waiting.size()));
        assertThat(stats.oldestPending().orElseThrow().id()).isEqualTo(waiting.id());
        assertThat(stats.failedJobs(10)).singleElement().satisfies(s -> {
            assertThat(s.id()).isEqualTo(failed.id());
            assertThat(s.deviceName()).isEqualTo("phone");
            assertThat(s.lastError()).hasValue("PERMANENT: 415");
        });
        LedgerStats.Throughput hour = stats.lastHour();
        assertThat(hour.buckets()).hasSize(60);
        assertThat(hour.jobs()).isEqualTo(1);
        assertThat(hour.bytes()).isEqualTo(delivered.size());
        assertThat(hour.buckets().get(59).jobs()).as("the newest bucket holds now").isEqualTo(1);
        assertThat(stats.lastDay().buckets()).hasSize(24);
        assertThat(stats.users(10)).singleElement().satisfies(u -> {
            assertThat(u.userId()).isEqualTo("alice");
            assertThat(u.uploads()).isEqualTo(3);
            assertThat(u.failed()).isEqualTo(1);
            assertThat(u.activeDevices()).isEqualTo(1);
        });
        assertThat(stats.devices(10)).singleElement().satisfies(d -> {
            assertThat(d.deviceId()).isEqualTo(phone.id());
            assertThat(d.active()).isTrue();
            assertThat(d.uploads()).isEqualTo(3);
        });
        assertThat(jobs.oldestPendingReceivedAt()).hasValue(waiting.receivedAt());
    }

    @Test
    void sharedStateIsSeenByAnotherProcessAndTheFirstValueRecordedWins() throws Exception {
        SharedState mine = ledger.sharedState();
        SharedState theirs = another().sharedState();
        assertThat(mine.get(SharedState.EXAPP_ENABLED)).isEmpty();
        mine.put(SharedState.EXAPP_ENABLED, "true");
        assertThat(theirs.get(SharedState.EXAPP_ENABLED)).hasValue("true");
        theirs.put(SharedState.EXAPP_ENABLED, "false");
        assertThat(mine.get(SharedState.EXAPP_ENABLED)).as("a put replaces").hasValue("false");

        List<Object> answers = race(List.of(
                () -> mine.putIfAbsent(SharedState.SECRET_KEY_FINGERPRINT, "key-a"),
                () -> theirs.putIfAbsent(SharedState.SECRET_KEY_FINGERPRINT, "key-b")));
        assertThat(answers).as("two processes starting at once agree on one value").hasSize(2)
                .allSatisfy(a -> assertThat(a).isEqualTo(answers.get(0)))
                .first().isIn("key-a", "key-b");
        assertThat(mine.putIfAbsent(SharedState.SECRET_KEY_FINGERPRINT, "key-c")).isEqualTo(answers.get(0));
    }

    @Test
    void adminSessionsAreKnownToAnotherProcessEndEverywhereAndMakeRoomOldestFirst() throws Exception {
        AdminSessions mine = ledger.adminSessions();
        AdminSessions theirs = another().adminSessions();
        Instant now = clock.instant();
        mine.open("s1", now.plusSeconds(60), now, 3);
        assertThat(theirs.expiresAt("s1")).hasValue(now.plusSeconds(60));
        theirs.close("s1");
        assertThat(mine.expiresAt("s1")).as("signed out through another replica").isEmpty();

        mine.open("ended", now.plusSeconds(1), now, 3);
        mine.open("a", now.plusSeconds(30), now, 3);
        mine.open("b", now.plusSeconds(90), now, 3);
        Instant later = now.plusSeconds(5);
        mine.open("c", later.plusSeconds(60), later, 3);
        assertThat(mine.expiresAt("ended")).as("ended sessions go when one opens").isEmpty();
        assertThat(mine.count()).isEqualTo(3);
        mine.open("d", later.plusSeconds(60), later, 3);
        assertThat(mine.count()).as("never more than max").isEqualTo(3);
        assertThat(mine.expiresAt("a")).as("the one closest to its end made room").isEmpty();
        assertThat(theirs.expiresAt("b")).isPresent();
        assertThat(theirs.expiresAt("d")).isPresent();
    }

    @Test
    void theDatabaseFindsItselfIntactAndMigrated() {
        Ledger.Health health = ledger.health();
        assertThat(health.intact()).as("problems: %s", health.problems()).isTrue();
        assertThat(health.schemaVersion()).isNotEqualTo("?");
    }
}
