package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The per-address attempt limit behind enrollment, browser logins and the admin sign-in. */
@UnitTest
class AttemptLimitTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T10:00:00Z"));

    @Test
    void sixtyAttemptsArrivingAtOnceCountAsSixtyAndOnlyTheLimitGetsThrough() throws Exception {
        AttemptLimit limit = new AttemptLimit(10, Duration.ofMinutes(15), 1000, clock);
        ExecutorService pool = Executors.newFixedThreadPool(60);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Boolean>> tries = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                tries.add(pool.submit(() -> {
                    go.await();
                    return limit.tryAcquire("198.51.100.7");
                }));
            }
            go.countDown();
            int admitted = 0;
            for (Future<Boolean> t : tries) {
                admitted += t.get() ? 1 : 0;
            }
            assertThat(admitted).isEqualTo(10);
            assertThat(limit.exhausted("198.51.100.7")).isTrue();
            assertThat(limit.tryAcquire("198.51.100.8")).as("another address").isTrue();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theWindowStartsWithTheFirstAttemptAndRefusedAttemptsDoNotProlongIt() {
        AttemptLimit limit = new AttemptLimit(3, Duration.ofMinutes(15), 1000, clock);
        for (int i = 0; i < 3; i++) {
            assertThat(limit.tryAcquire("a")).isTrue();
            clock.advance(Duration.ofMinutes(1));
        }
        for (int i = 0; i < 10; i++) {
            assertThat(limit.tryAcquire("a")).as("refused, and not counted").isFalse();
            clock.advance(Duration.ofMinutes(1));
        }
        // 13 minutes after the first attempt: still within its window.
        assertThat(limit.exhausted("a")).isTrue();
        clock.advance(Duration.ofMinutes(2));
        assertThat(limit.exhausted("a")).as("15 minutes after the first attempt").isFalse();
        assertThat(limit.tryAcquire("a")).isTrue();
    }

    @Test
    void anAttemptGivenBackDoesNotCount() {
        AttemptLimit limit = new AttemptLimit(2, Duration.ofMinutes(15), 1000, clock);
        for (int i = 0; i < 50; i++) {
            assertThat(limit.tryAcquire("family-nat")).isTrue();
            limit.giveBack("family-nat");
        }
        assertThat(limit.tryAcquire("family-nat")).isTrue();
        assertThat(limit.tryAcquire("family-nat")).isTrue();
        assertThat(limit.tryAcquire("family-nat")).isFalse();
    }
}
