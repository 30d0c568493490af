package dev.photosidecar.delivery;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToLongFunction;

/**
 * Users whose deliveries wait because the host refuses them (wrong credentials, quota full). A pause
 * ends when it runs out (then the next delivery probes the host again) or as soon as the user's stored
 * credentials change.
 */
public final class UserPauses {
    static final Duration PAUSE = Duration.ofMinutes(10);

    private record Pause(Instant until, long credentialVersion, String reason) {
    }

    private final Map<String, Pause> paused = new ConcurrentHashMap<>();

    public void pause(String user, Instant now, long credentialVersion, String reason) {
        paused.put(user, new Pause(now.plus(PAUSE), credentialVersion, reason));
    }

    public boolean isPaused(String user) {
        return paused.containsKey(user);
    }

    public List<String> pausedUsers() {
        return List.copyOf(paused.keySet());
    }

    /** When the first pause runs out, if any user is paused: the dispatcher looks again then at the latest. */
    public java.util.Optional<Instant> firstEnd() {
        return paused.values().stream().map(Pause::until).min(Instant::compareTo);
    }

    /** Ends the pauses that ran out or whose credentials changed; returns the users set free. */
    public List<String> release(Instant now, ToLongFunction<String> credentialVersion) {
        List<String> freed = paused.entrySet().stream()
                .filter(e -> !now.isBefore(e.getValue().until())
                        || credentialVersion.applyAsLong(e.getKey()) != e.getValue().credentialVersion())
                .map(Map.Entry::getKey).toList();
        freed.forEach(paused::remove);
        return freed;
    }
}
