package dev.photosidecar.http;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Clock;
import java.time.Duration;

/**
 * At most {@code limit} attempts per client address in a window that starts with the address's first attempt:
 * what keeps enrollment, browser logins and the admin sign-in from being used to guess secrets or to flood the
 * host. An attempt is counted in the same step that checks the limit, before anything is asked, so that
 * attempts arriving together cannot all pass the check before one of them is counted: 60 at once count as 60.
 * An attempt that went well may be given back.
 */
public final class AttemptLimit {
    private final int limit;
    private final Duration window;
    private final Cache<String, Integer> used;

    /**
     * @param maxAddresses how many addresses are remembered at most (the least recently used are forgotten first),
     *                     which bounds the memory a flood of addresses can take
     */
    public AttemptLimit(int limit, Duration window, int maxAddresses, Clock clock) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
        this.window = window;
        long windowNanos = window.toNanos();
        this.used = Caffeine.newBuilder().ticker(() -> clock.millis() * 1_000_000L).maximumSize(maxAddresses)
                .expireAfter(new Expiry<String, Integer>() {
                    @Override
                    public long expireAfterCreate(String key, Integer value, long now) {
                        return windowNanos;
                    }

                    // A later attempt neither extends nor restarts the window: it ends where it ends.
                    @Override
                    public long expireAfterUpdate(String key, Integer value, long now, long remaining) {
                        return remaining;
                    }

                    @Override
                    public long expireAfterRead(String key, Integer value, long now, long remaining) {
                        return remaining;
                    }
                }).build();
    }

    /** Counts one attempt by {@code address} and returns true, or returns false (counting nothing) when it has none left. */
    public boolean tryAcquire(String address) {
        boolean[] admitted = {false};
        used.asMap().compute(address, (k, n) -> {
            int count = n == null ? 0 : n;
            if (count >= limit) {
                return n;
            }
            admitted[0] = true;
            return count + 1;
        });
        return admitted[0];
    }

    /** Gives back one attempt of {@code address} (it went well, so it should not count against a guesser's budget). */
    public void giveBack(String address) {
        used.asMap().computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
    }

    /** Whether {@code address} has used up its attempts for now. */
    public boolean exhausted(String address) {
        Integer n = used.getIfPresent(address);
        return n != null && n >= limit;
    }

    public int limit() {
        return limit;
    }

    public Duration window() {
        return window;
    }
}
