package dev.photosidecar.crash;

import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.SidecarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Several sidecars (replicas) as child processes, each with its own data folder, port and log file, on one shared
 * ledger and spool (the environment each is given says so). A replica that is killed stays dead: clients are sent
 * to the others, at random, like a load balancer that noticed.
 */
final class Replicas implements Sidecars, AutoCloseable {
    private final List<SidecarRuns.Run> all = new ArrayList<>();
    private final List<SidecarRuns.Run> live = new CopyOnWriteArrayList<>();
    private final Random random;

    /**
     * Starts one replica per environment, one after the other (the first migrates the shared ledger), and waits
     * until each is ready. Replica {@code i} is run number {@code i + 1}, and logs to {@code replica-{i+1}.log}.
     */
    Replicas(List<Map<String, String>> envs, Path logFolder, long seed) throws Exception {
        this.random = new Random(seed);
        try {
            for (Map<String, String> env : envs) {
                int number = all.size() + 1;
                Path log = logFolder.resolve("replica-" + number + ".log");
                Files.createFile(log);
                SidecarRuns.Run run = SidecarRuns.Run.of(number, SidecarProcess.start(env, SidecarRuns.JVM_ARGS, log));
                all.add(run);
                live.add(run);
            }
        } catch (Exception | Error e) {
            close(); // the caller never gets this object to close
            throw e;
        }
    }

    /** Replica {@code i} (from 0), dead or alive. */
    SidecarRuns.Run get(int i) {
        return all.get(i);
    }

    int count() {
        return all.size();
    }

    /** The replicas that are still up. */
    List<SidecarRuns.Run> survivors() {
        return List.copyOf(live);
    }

    /** SIGKILL to replica {@code i} (no new client is sent to it from now on), and waits until it is gone. */
    void kill(int i) {
        SidecarRuns.Run run = all.get(i);
        live.remove(run);
        run.process().kill();
    }

    /** SIGTERM to every replica still up, the graceful stop; returns their exit codes. */
    List<Integer> stop() {
        List<Integer> exits = new ArrayList<>();
        for (SidecarRuns.Run run : List.copyOf(live)) {
            live.remove(run);
            exits.add(run.process().stop());
        }
        return exits;
    }

    /** A live replica at random; after a failed try, another one than the replica it failed on if there is one. */
    @Override
    public SidecarRuns.Run next(SidecarRuns.Run failed, String why) {
        return await(why).atMost(SidecarRuns.RESTART_WAIT).pollInterval(Duration.ofMillis(10))
                .until(() -> pick(failed), r -> r != null);
    }

    @Override
    public SidecarRuns.Run live() {
        return pick(null);
    }

    private SidecarRuns.Run pick(SidecarRuns.Run avoid) {
        List<SidecarRuns.Run> up = new ArrayList<>(live);
        if (up.size() > 1) {
            up.remove(avoid);
        }
        if (up.isEmpty()) {
            return null;
        }
        synchronized (random) {
            return up.get(random.nextInt(up.size()));
        }
    }

    /** Kills whatever still runs: a test that failed halfway must not leave a JVM behind. */
    @Override
    public void close() {
        live.clear();
        for (SidecarRuns.Run run : all) {
            run.process().close();
        }
    }
}
