package dev.photosidecar.ledger.sqlite;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent writers share commits, and each still gets its own answer. */
@UnitTest
class GroupCommitTest {
    @TempDir
    Path dir;

    @Test
    void callersWhoQueueWhileOneCommitsAreWrittenTogetherInTheNextCommit() throws Exception {
        CountDownLatch firstEntered = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        List<List<String>> batches = Collections.synchronizedList(new ArrayList<>());
        GroupCommit<String, String> commit = new GroupCommit<>(items -> {
            batches.add(List.copyOf(items));
            if (batches.size() == 1) {
                firstEntered.countDown();
                awaitLatch(releaseFirst);
            }
            return items.stream().map(i -> GroupCommit.Outcome.of(i.toUpperCase(Locale.ROOT))).toList();
        });
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            Future<String> a = pool.submit(() -> commit.submit("a"));
            firstEntered.await(30, TimeUnit.SECONDS);
            List<Future<String>> others = List.of(pool.submit(() -> commit.submit("b")),
                    pool.submit(() -> commit.submit("c")), pool.submit(() -> commit.submit("d")));
            await().atMost(Duration.ofSeconds(30)).until(() -> commit.queued() == 3);
            releaseFirst.countDown();

            assertThat(a.get(30, TimeUnit.SECONDS)).isEqualTo("A");
            assertThat(List.of(others.get(0).get(30, TimeUnit.SECONDS), others.get(1).get(30, TimeUnit.SECONDS),
                    others.get(2).get(30, TimeUnit.SECONDS))).containsExactly("B", "C", "D");
            assertThat(batches).hasSize(2);
            assertThat(batches.get(0)).containsExactly("a");
            assertThat(batches.get(1)).containsExactlyInAnyOrder("b", "c", "d");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void anItemThatFailsFailsOnlyItsOwnCaller() {
        GroupCommit<String, String> commit = new GroupCommit<>(items -> items.stream()
                .map(i -> i.equals("bad") ? GroupCommit.Outcome.<String>failed(new IllegalArgumentException("bad row"))
                        : GroupCommit.Outcome.of(i))
                .toList());
        assertThat(commit.submit("good")).isEqualTo("good");
        assertThatThrownBy(() -> commit.submit("bad")).isInstanceOf(IllegalArgumentException.class).hasMessage("bad row");
    }

    @Test
    void aWriterThatThrowsFailsEveryCallerInItsBatchAndTheNextBatchStillRuns() {
        List<Integer> calls = new ArrayList<>();
        GroupCommit<String, String> commit = new GroupCommit<>(items -> {
            calls.add(items.size());
            if (calls.size() == 1) {
                throw new IllegalStateException("database gone");
            }
            return items.stream().map(GroupCommit.Outcome::of).toList();
        });
        assertThatThrownBy(() -> commit.submit("x")).isInstanceOf(IllegalStateException.class).hasMessage("database gone");
        assertThat(commit.submit("y")).isEqualTo("y");
    }

    @Test
    void theSameKeyFromManyUploadsAtOnceMakesExactlyOneJobAndDuplicatesForTheRest() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        JobLedger ledger = new SqliteJobLedger(jdbi, clock);
        Device device = new SqliteDeviceRegistry(jdbi, clock).add("alice", "phone").device();
        int threads = 8;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Object>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                String suffix = String.valueOf(t);
                results.add(pool.submit(() -> {
                    start.await();
                    try {
                        // Half the threads race on one key, the other half each have their own.
                        String key = Integer.parseInt(suffix) % 2 == 0 ? "same" : "own-" + suffix;
                        return ledger.insert(new NewJob(Ids.jobId(), device.id(), "alice", key, key + ".jpg",
                                ResourceType.PHOTO, Optional.empty(), "image/jpeg", 3, "a".repeat(64), Optional.empty()));
                    } catch (DuplicateKeyException e) {
                        return e;
                    }
                }));
            }
            start.countDown();
            int jobs = 0;
            int duplicates = 0;
            for (Future<Object> f : results) {
                Object r = f.get(60, TimeUnit.SECONDS);
                if (r instanceof Job) {
                    jobs++;
                } else if (r instanceof DuplicateKeyException) {
                    duplicates++;
                }
            }
            assertThat(jobs).as("one job for 'same' and one per own key").isEqualTo(1 + threads / 2);
            assertThat(duplicates).isEqualTo(threads / 2 - 1);
            assertThat(ledger.countByState().get(JobState.PENDING)).isEqualTo(1L + threads / 2);
        } finally {
            pool.shutdownNow();
        }
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
