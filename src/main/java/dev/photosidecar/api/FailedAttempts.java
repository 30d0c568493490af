package dev.photosidecar.api;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Limits failed enrollment attempts per client address, so that the enrollment call cannot be used to
 * guess a user's app password: after {@link #LIMIT} failures in {@link #WINDOW}, 429 until it passes.
 */
final class FailedAttempts {
    static final int LIMIT = 10;
    static final Duration WINDOW = Duration.ofMinutes(15);

    private final Cache<String, AtomicInteger> failures;

    FailedAttempts(Clock clock) {
        this.failures = Caffeine.newBuilder().ticker(() -> clock.millis() * 1_000_000L)
                .expireAfterWrite(WINDOW).maximumSize(100_000).build();
    }

    void check(String client) {
        AtomicInteger n = failures.getIfPresent(client);
        if (n != null && n.get() >= LIMIT) {
            throw new Problem(ErrorCode.TOO_MANY_ATTEMPTS, "too many failed enrollment attempts from " + client
                    + "; try again in " + WINDOW.toMinutes() + " minutes");
        }
    }

    void failed(String client) {
        failures.asMap().compute(client, (k, v) -> {
            AtomicInteger n = v == null ? new AtomicInteger() : v;
            n.incrementAndGet();
            return n;
        });
    }
}
