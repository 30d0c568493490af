package dev.photosidecar.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Readiness floods cost the host one probe per few seconds, and never wait behind a slow probe. */
@UnitTest
class CachedHealthTest {
    @Test
    void oneProbePerTtlHoweverManyAsk() {
        AtomicLong now = new AtomicLong();
        AtomicInteger probes = new AtomicInteger();
        CachedHealth h = new CachedHealth(() -> new DeliveryTarget.Health(true, "probe " + probes.incrementAndGet()),
                Duration.ofSeconds(5), now::get);
        for (int i = 0; i < 1000; i++) {
            assertThat(h.get().detail()).isEqualTo("probe 1");
        }
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(h.get().detail()).isEqualTo("probe 2");
        assertThat(probes).hasValue(2);
    }

    @Test
    void whileAProbeIsUnderWayTheOthersGetTheLastAnswer() throws Exception {
        AtomicLong now = new AtomicLong();
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger probes = new AtomicInteger();
        CachedHealth h = new CachedHealth(() -> {
            int n = probes.incrementAndGet();
            if (n == 2) {
                try {
                    release.await(); // the host is stuck on the second probe
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return new DeliveryTarget.Health(true, "probe " + n);
        }, Duration.ofSeconds(5), now::get);
        assertThat(h.get().detail()).isEqualTo("probe 1");
        now.addAndGet(Duration.ofSeconds(6).toNanos());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Future<DeliveryTarget.Health> stuck = pool.submit(h::get);
            while (probes.get() < 2) {
                Thread.onSpinWait();
            }
            List<Future<DeliveryTarget.Health>> others = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                others.add(pool.submit(h::get));
            }
            for (Future<DeliveryTarget.Health> f : others) {
                assertThat(f.get(10, TimeUnit.SECONDS).detail()).isEqualTo("probe 1");
            }
            release.countDown();
            assertThat(stuck.get(10, TimeUnit.SECONDS).detail()).isEqualTo("probe 2");
            assertThat(probes).hasValue(2);
        } finally {
            pool.shutdownNow();
        }
    }
}
