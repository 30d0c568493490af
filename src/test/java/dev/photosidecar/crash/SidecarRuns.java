package dev.photosidecar.crash;

import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.SidecarProcess;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One sidecar on one data folder, run after run: started as a child process, killed with SIGKILL, started
 * again. Clients ask for the current run, or wait for a run newer than the one that died under them.
 */
final class SidecarRuns implements Sidecars, AutoCloseable {
    static final Duration RESTART_WAIT = Duration.ofSeconds(60);
    /**
     * Quick restarts matter more here than peak speed: on two cores a cold sidecar JVM takes ~4 s to get ready
     * with the default JIT and GC, ~2 s with these, and every second it is down is a second nobody uploads.
     */
    static final List<String> JVM_ARGS = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** One run of the sidecar, numbered from 1, with a fresh HTTP client (no pooled connection to a dead run). */
    record Run(int number, SidecarProcess process, HttpClient http) {
        static Run of(int number, SidecarProcess process) {
            return new Run(number, process, HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build());
        }
    }

    private final Map<String, String> env;
    private final Path logFile;
    /** The run clients may talk to right now, or null while it is down. */
    private final AtomicReference<Run> live = new AtomicReference<>();
    private volatile SidecarProcess current;

    SidecarRuns(Map<String, String> env, Path logFile) {
        this.env = env;
        this.logFile = logFile;
    }

    Path logFile() {
        return logFile;
    }

    /** Starts run {@code number} and waits until it is ready. */
    Run start(int number) {
        SidecarProcess p = SidecarProcess.start(env, JVM_ARGS, logFile);
        current = p;
        Run run = Run.of(number, p);
        live.set(run);
        return run;
    }

    /** The run that is up, or null while none is. */
    @Override
    public Run live() {
        return live.get();
    }

    /** SIGKILL to the current run (if any), and waits until it is gone. Returns the run that was killed. */
    Run kill() {
        Run run = live.getAndSet(null);
        if (run != null) {
            run.process().kill();
        }
        return run;
    }

    /** SIGTERM to the current run, the graceful stop; returns its exit code. */
    int stop() {
        Run run = live.getAndSet(null);
        current = null;
        return run.process().stop();
    }

    /** A run newer than the one that failed: the same data folder, started again. */
    @Override
    public Run next(Run failed, String why) {
        return awaitRunAfter(failed == null ? 0 : failed.number(), why);
    }

    /** Waits (like a phone that lost its connection) until a run newer than {@code after} is up. */
    Run awaitRunAfter(int after, String why) {
        return await(why).atMost(RESTART_WAIT).pollInterval(Duration.ofMillis(10))
                .until(live::get, r -> r != null && r.number() > after);
    }

    /** Kills whatever still runs: a test that failed halfway must not leave a JVM behind. */
    @Override
    public void close() {
        live.set(null);
        SidecarProcess p = current;
        if (p != null) {
            p.close();
        }
    }
}
