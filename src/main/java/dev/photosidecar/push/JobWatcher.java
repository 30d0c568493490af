package dev.photosidecar.push;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

/**
 * {@code push --wait}: follows jobs until each is delivered or has failed, or the time is up. Politely:
 * only jobs still on their way are asked about, at most {@code --parallel} at a time, with pauses that
 * grow from a quarter second to five seconds between rounds, and longer when the server says
 * {@code Retry-After}. A server that restarts meanwhile is simply asked again in the next round.
 */
final class JobWatcher {
    private static final Duration FIRST_PAUSE = Duration.ofMillis(250);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(5);

    private final SidecarClient client;
    private final ExecutorService pool;
    private final Duration timeout;
    private final Clock clock;

    JobWatcher(SidecarClient client, ExecutorService pool, Duration timeout, Clock clock) {
        this.client = client;
        this.pool = pool;
        this.timeout = timeout;
        this.clock = clock;
    }

    /** The jobs as they ended: delivered, failed, or (when the time ran out) still waiting. */
    List<WatchedJob> waitFor(List<WatchedJob> jobs, ProgressDisplay.Mode mode, PrintWriter err) throws InterruptedException {
        if (jobs.isEmpty()) {
            return List.of();
        }
        List<WatchedJob> current = new ArrayList<>(jobs);
        Instant start = clock.instant();
        Instant deadline = start.plus(timeout);
        ProgressDisplay progress = ProgressDisplay.start(mode, err, "delivery", () -> line(current, start), Duration.ofSeconds(5));
        try {
            Duration pause = FIRST_PAUSE;
            while (true) {
                Duration serverWants = pollRound(current);
                if (current.stream().noneMatch(JobWatcher::needsPoll) || !clock.instant().isBefore(deadline)) {
                    break;
                }
                Duration wait = serverWants.compareTo(pause) > 0 ? serverWants : pause;
                Duration left = Duration.between(clock.instant(), deadline);
                Thread.sleep(Math.max(1, Math.min(wait.toMillis(), left.toMillis())));
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            }
        } finally {
            progress.close();
        }
        return List.copyOf(current);
    }

    private static boolean needsPoll(WatchedJob j) {
        return j.id().isEmpty() && !j.state().equals("missing") || j.waiting();
    }

    /** Asks about every job that needs it; answers the longest Retry-After heard (zero if none). */
    private Duration pollRound(List<WatchedJob> current) throws InterruptedException {
        List<Integer> indexes = new ArrayList<>();
        List<Future<Polled>> answers = new ArrayList<>();
        for (int i = 0; i < current.size(); i++) {
            WatchedJob job = current.get(i);
            if (needsPoll(job)) {
                indexes.add(i);
                answers.add(pool.submit(() -> poll(job)));
            }
        }
        Duration longest = Duration.ZERO;
        for (int n = 0; n < answers.size(); n++) {
            Polled p;
            try {
                p = answers.get(n).get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof PushAbort abort) {
                    throw abort;
                }
                throw new IllegalStateException(e.getCause());
            }
            synchronized (current) {
                current.set(indexes.get(n), p.job());
            }
            if (p.retryAfter().compareTo(longest) > 0) {
                longest = p.retryAfter();
            }
        }
        return longest;
    }

    private record Polled(WatchedJob job, Duration retryAfter) {
    }

    private Polled poll(WatchedJob job) {
        try {
            SidecarClient.Answer a = job.id().isPresent() ? client.get("/v1/jobs/" + job.id().get()) : client.jobForKey(job.key());
            if (a.status() == 200) {
                return new Polled(new WatchedJob(job.file(), job.key(), Optional.of(a.json().path("id").asText()),
                        a.json().path("state").asText(), Optional.ofNullable(a.json().path("lastError").textValue())),
                        Duration.ZERO);
            }
            if (a.status() == 404) {
                return new Polled(new WatchedJob(job.file(), job.key(), job.id(), "missing",
                        Optional.of("the server has no such job any more")), Duration.ZERO);
            }
            return new Polled(job, RetryAfter.parse(a.header("Retry-After"), clock).orElse(Duration.ZERO));
        } catch (IOException e) {
            return new Polled(job, Duration.ZERO); // asked again next round, until the time is up
        }
    }

    private ProgressDisplay.Line line(List<WatchedJob> current, Instant start) {
        long delivered;
        long failed;
        int total;
        synchronized (current) {
            delivered = current.stream().filter(j -> j.state().equals("succeeded") || j.state().equals("acknowledged")).count();
            failed = current.stream().filter(j -> !j.waiting() && !j.state().equals("succeeded")
                    && !j.state().equals("acknowledged")).count();
            total = current.size();
        }
        long ms = Duration.between(start, clock.instant()).toMillis();
        return new ProgressDisplay.Line(total == 0 ? 1 : (double) (delivered + failed) / total, String.format(Locale.ROOT,
                "%d/%d delivered, %d failed  waiting %s", delivered, total, failed, Human.duration(ms)));
    }
}
