package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.sardine.DavResource;
import com.github.sardine.Sardine;
import com.github.sardine.SardineFactory;
import dev.photosidecar.nextcloud.NextcloudEnv;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.FaultProxy;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.HostInventory;
import dev.photosidecar.support.LedgerFile;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The crash loop against a real WebDAV host: phones upload concurrently to the sidecar (a child process,
 * {@code SIDECAR_TARGET=webdav}), which is killed with SIGKILL again and again and restarted on the same data
 * folder. Each kill is aimed at one phase of an upload's life, seen as it happens: a body half received
 * (intake), a body completely sent and not yet answered (fsync and commit), the PUT of the hidden temporary
 * file half sent or just answered by the host, the MOVE to the final name before the host saw it or after it
 * did it, the PROPFIND that verifies the landed file, the log line saying the job succeeded (its spool copy is
 * not yet removed), or a random moment. A {@link FaultProxy} between sidecar and host passes every byte
 * untouched and only watches, so that a kill can land between two packets.
 *
 * <p>Afterwards: every upload that got a 2xx is on the host exactly once with its SHA-256; no upload without a
 * 2xx has a job (phones retry a broken upload until they get one, and deliberately cut-off uploads must have
 * none); the spool holds nothing; {@code PRAGMA integrity_check} passes; no {@code .sidecar-*.tmp} is left on
 * the host.
 *
 * <p>CI runs 20 kills against lighttpd. The long form: {@code -Dcrash.long=true} (200 kills, lighttpd and
 * Apache); {@code -Dcrash.kills=N} sets the number, {@code -Dcrash.seed=N} replays sizes, delays and aims. With
 * {@code NEXTCLOUD_URL}/{@code NEXTCLOUD_USER}/{@code NEXTCLOUD_PASSWORD} set, a variant also runs against a
 * real Nextcloud with small chunking settings, aiming kills at chunk uploads and the chunk assembly.
 */
@CrashTest
class WebDavCrashLoopTest {
    private static final String USER = "alice";
    private static final boolean LONG = Boolean.getBoolean("crash.long");
    private static final int KILLS = Integer.getInteger("crash.kills", LONG ? 200 : 20);
    /** How long to wait for an aimed phase before killing at a random moment instead. */
    private static final Duration AIM_WAIT = Duration.ofSeconds(20);

    /** The moments a kill is aimed at. */
    enum Phase {
        /** A phone's body is half way in. */
        INTAKE("intake"),
        /** A phone sent its whole body and waits for the answer: the sidecar fsyncs, renames and commits. */
        COMMIT("fsync/commit"),
        /** The PUT of the hidden temporary file is half way to the host. */
        PUT("put (mid-body)"),
        /** The host answered the PUT; the sidecar has not heard it. */
        PUT_ANSWERED("put (answered)"),
        /** The sidecar sent the MOVE to the final name; the host never gets it. */
        MOVE_SEEN("move (not done)"),
        /** The host did the MOVE; the sidecar has not heard it. */
        MOVE_ANSWERED("move (done, unanswered)"),
        /** The PROPFIND that verifies the landed file. */
        VERIFY("verify"),
        /** The job's "-> succeeded" log line; its spool copy may still be there. */
        SUCCEEDED("succeeded (logged)"),
        /** A chunk of a Nextcloud chunked upload is half way to the host. */
        CHUNK_PUT("chunk put"),
        /** Nextcloud assembled the chunks (MOVE .file); the sidecar has not heard it. */
        CHUNK_ASSEMBLY("chunk assembly"),
        /** Any moment at all. */
        RANDOM("random");

        final String label;

        Phase(String label) {
            this.label = label;
        }
    }

    private static final List<Phase> WEBDAV_PHASES = List.of(Phase.INTAKE, Phase.COMMIT, Phase.PUT, Phase.PUT_ANSWERED,
            Phase.MOVE_SEEN, Phase.MOVE_ANSWERED, Phase.VERIFY, Phase.SUCCEEDED, Phase.RANDOM);
    private static final List<Phase> NEXTCLOUD_PHASES = List.of(Phase.CHUNK_PUT, Phase.CHUNK_ASSEMBLY, Phase.INTAKE,
            Phase.CHUNK_PUT, Phase.MOVE_ANSWERED, Phase.CHUNK_ASSEMBLY, Phase.PUT_ANSWERED, Phase.SUCCEEDED, Phase.RANDOM);

    /** Kept when the test fails: the data folder, the host's folder and the sidecar's log are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path temp;

    private SidecarRuns runs;
    private Phones phones;
    private FaultProxy proxy;
    private Thread logTail;

    private final AtomicReference<Phase> armed = new AtomicReference<>();
    private volatile SidecarRuns.Run aimedAt;
    private volatile CompletableFuture<Phase> fired = new CompletableFuture<>();

    static Stream<WebDavServer.Kind> servers() {
        return LONG ? Stream.of(WebDavServer.Kind.LIGHTTPD, WebDavServer.Kind.APACHE) : Stream.of(WebDavServer.Kind.LIGHTTPD);
    }

    @AfterEach
    void stopEverything() throws InterruptedException {
        if (logTail != null) {
            logTail.interrupt();
            logTail.join(2000);
        }
        if (phones != null) {
            phones.close();
        }
        if (runs != null) {
            runs.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @ParameterizedTest
    @MethodSource("servers")
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void everyAcknowledgedUploadLandsOnTheHostExactlyOnceThroughAimedSigkills(WebDavServer.Kind kind) throws Exception {
        try (WebDavServer dav = WebDavServer.start(kind, temp.resolve("dav"))) {
            Map<String, String> env = new HashMap<>();
            env.put("SIDECAR_TARGET", "webdav");
            env.put("SIDECAR_WEBDAV_USER", dav.user());
            env.put("SIDECAR_WEBDAV_PASSWORD", dav.password());
            Report r = crashLoop(kind.name().toLowerCase(), dav.port(), "{user}/", env, WEBDAV_PHASES, 4, Integer.MAX_VALUE,
                    4 * 1024, 1024 * 1024,
                    () -> HostInventory.of(dav.root().resolve(USER)), Phones.Outcome::expectedPath);
            for (Phones.Outcome o : r.acknowledged()) {
                assertThat(Files2.sha256(dav.root().resolve(USER).resolve(o.expectedPath())))
                        .as("bytes of %s at %s on the host", o.key(), o.expectedPath()).isEqualTo(o.sha256());
            }
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.MINUTES)
    void nextcloudChunkedUploadsSurviveAimedSigkills() throws Exception {
        NextcloudEnv nc = NextcloudEnv.require();
        String folder = "SidecarCrashLoop-" + UUID.randomUUID().toString().substring(0, 8);
        int ncPort = java.net.URI.create(nc.url()).getPort();
        Map<String, String> env = new HashMap<>();
        env.put("SIDECAR_TARGET", "nextcloud");
        env.put("SIDECAR_WEBDAV_USER", nc.user());
        env.put("SIDECAR_WEBDAV_PASSWORD", nc.appPassword());
        // Chunk everything above 1 MiB, in chunks of 5 MiB (Nextcloud's smallest): a 12 MiB photo is 3 chunks.
        env.put("SIDECAR_CHUNK_THRESHOLD", "1MiB");
        env.put("SIDECAR_CHUNK_SIZE", "5MiB");
        env.put("SIDECAR_PATH_TEMPLATE", folder + "/{filename}");
        Sardine sardine = SardineFactory.begin(nc.user(), nc.appPassword());
        try {
            // Two phones and 80 photos: Nextcloud under php -S takes seconds per chunked delivery, and phones left
            // to run would pile up far more than it can take in while the kills go on.
            Report r = crashLoop("nextcloud", ncPort, "", env, NEXTCLOUD_PHASES, 2, 80, 256 * 1024, 12 * 1024 * 1024,
                    () -> nextcloudInventory(sardine, nc, folder), o -> folder + "/" + Path.of(o.expectedPath()).getFileName());
            // Chunk folders are the chunked upload's temporary files: none of this run's jobs may leave one behind.
            String uploads = nc.url() + "remote.php/dav/uploads/" + nc.user() + "/";
            List<String> leftover = sardine.list(uploads, 1).stream().filter(DavResource::isDirectory).map(DavResource::getName)
                    .filter(n -> r.jobIds().stream().anyMatch(id -> n.startsWith("sidecar-" + id + "-"))).sorted().toList();
            System.out.printf("WebDavCrashLoopTest nextcloud: %d chunk upload folders of this run left on the host%n", leftover.size());
            assertThat(leftover).as("chunk upload folders left in %s", uploads).isEmpty();
        } finally {
            try {
                sardine.delete(nc.filesUrl(folder));
            } catch (IOException ignored) {
                // best effort
            }
            sardine.shutdown();
        }
    }

    /** What one crash loop did, for the per-host checks: the acknowledged uploads and the ids of their jobs. */
    private record Report(List<Phones.Outcome> acknowledged, java.util.Set<String> jobIds) {
    }

    /**
     * Runs the loop: starts the sidecar behind a watching proxy to {@code 127.0.0.1:hostPort}, lets
     * {@code phoneCount} phones upload up to {@code maxPhotos} photos of {@code minSize} to {@code maxSize}
     * bytes, kills {@link #KILLS} times at the aimed phases, then checks the invariants and prints the counts.
     */
    private Report crashLoop(String label, int hostPort, String urlSuffix, Map<String, String> targetEnv,
                             List<Phase> aims, int phoneCount, int maxPhotos, int minSize, int maxSize,
                             Supplier<HostInventory> host,
                             java.util.function.Function<Phones.Outcome, String> path) throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random random = new Random(seed);
        long started = System.nanoTime();
        Path dataDir = temp.resolve("data");
        Path logFile = temp.resolve("sidecar.log");
        System.out.printf("WebDavCrashLoopTest %s: seed %d (rerun with -Dcrash.seed=%d), %d kills, data %s, log %s%n",
                label, seed, seed, KILLS, dataDir, logFile);

        proxy = FaultProxy.start(hostPort).tap(new AimingTap());
        SidecarProcess.Device device = SidecarProcess.addDevice(dataDir, USER, "crash-loop phone");
        Map<String, String> env = SidecarProcess.baseEnv(dataDir, SidecarProcess.freePort());
        env.putAll(targetEnv);
        env.put("SIDECAR_WEBDAV_URL", proxy.baseUrl() + urlSuffix);
        env.put("SIDECAR_TIME_ZONE", "UTC");
        env.put("SIDECAR_WORKERS", "4");
        // Every kill during a delivery spends that job's attempt, and the kills here are aimed at deliveries
        // (often the same recovered jobs right after a restart): the default 12 would fail jobs by design.
        env.put("SIDECAR_MAX_ATTEMPTS", "1000");
        env.put("SIDECAR_RETRY_INITIAL_DELAY", "1s");
        env.put("SIDECAR_RETRY_MAX_DELAY", "2s");
        Files.createFile(logFile);
        logTail = tailForSuccesses(logFile);

        runs = new SidecarRuns(env, logFile);
        SidecarRuns.Run run = runs.start(1);
        phones = new Phones(runs, device, seed, minSize, maxSize);
        phones.watch((u, handedOver) -> {
            if (handedOver < u.body().length) {
                fire(Phase.INTAKE);
            } else {
                fire(Phase.COMMIT);
            }
        });
        phones.maxPhotos(maxPhotos);
        phones.start(phoneCount, true);

        Map<Phase, Integer> hit = new EnumMap<>(Phase.class);
        Map<Phase, Integer> missed = new EnumMap<>(Phase.class);
        for (int kill = 1; kill <= KILLS; kill++) {
            Phase aim = aims.get((kill - 1) % aims.size());
            // Let the new run get going first, so kills do not all land on its first deliveries.
            Thread.sleep(random.nextInt(300));
            Phase landed = killAt(run, aim, random);
            if (landed != aim) {
                missed.merge(aim, 1, Integer::sum);
            }
            hit.merge(landed, 1, Integer::sum);
            runs.kill();
            run = runs.start(kill + 1);
        }

        List<Phones.Outcome> outcomes = phones.finish();
        SidecarRuns.Run last = runs.live();
        Map<String, Phones.Outcome> expected = outcomes.stream().collect(Collectors.toMap(Phones.Outcome::key, o -> o));
        assertThat(expected).hasSize(outcomes.size());
        Map<String, JsonNode> jobs = phones.awaitAllSucceeded(last, expected.keySet(), Duration.ofMinutes(LONG || maxPhotos < Integer.MAX_VALUE ? 10 : 3));
        phones.assertNoCutOffUploadHasAJob(last);
        for (Phones.Outcome o : expected.values()) {
            JsonNode job = jobs.get(o.key());
            assertThat(job.get("sha256").asText()).as("sha256 of job for %s", o.key()).isEqualTo(o.sha256());
        }
        int exit = runs.stop();

        // The host: each acknowledged upload exactly once, with its bytes; no temporary file left.
        HostInventory.Tally tally = host.get().against(outcomes.stream().map(Phones.Outcome::sha256).toList());
        // The sidecar: nothing in the spool, an intact ledger with a job for exactly the acknowledged keys.
        List<Path> spoolLeft = new ArrayList<>(Files2.regularFiles(dataDir.resolve("spool/ready")));
        spoolLeft.addAll(Files2.regularFiles(dataDir.resolve("spool/incoming")));
        Path ledger = dataDir.resolve("ledger.db");
        String integrity = LedgerFile.integrityCheck(ledger);
        Map<String, String> states = LedgerFile.statesByKey(ledger);
        List<String> jobsWithout2xx = states.keySet().stream().filter(k -> !expected.containsKey(k)).sorted().toList();
        int orphans = spoolLeft.size() + tally.temp() + jobsWithout2xx.size();

        String log = Files.readString(logFile);
        System.out.printf("kills: %d, uploads acknowledged: %d, on host: %d, duplicates: %d, corrupt: %d, orphans: %d%n",
                KILLS, expected.size(), tally.onHost(), tally.duplicates(), tally.corrupt(), orphans);
        System.out.printf("WebDavCrashLoopTest %s: phases hit: %s; aimed but missed (killed at random instead): %s; "
                        + "orphans: %d spool files, %d temporary files on the host, %d jobs without a 2xx; "
                        + "%d replays (200) after lost answers, %d cut-off uploads (%d answered 400, none has a job); "
                        + "%d deliveries recovered at restarts, %d partial uploads and spool files swept; "
                        + "final SIGTERM exit %d; seed %d; %.1f s%n",
                label, describe(hit), describe(missed), spoolLeft.size(), tally.temp(), jobsWithout2xx.size(),
                expected.values().stream().filter(o -> o.status() == 200).count(), phones.cutKeys().size(),
                phones.cutAnswered400(), CrashRecoveryTest.sumOf(CrashRecoveryTest.RECOVERED, log, 1),
                CrashRecoveryTest.sumOf(CrashRecoveryTest.SWEPT, log, 1) + CrashRecoveryTest.sumOf(CrashRecoveryTest.SWEPT, log, 2),
                exit, seed, (System.nanoTime() - started) / 1e9);

        assertThat(integrity).as("PRAGMA integrity_check").isEqualTo("ok");
        assertThat(tally.exactlyOnce()).as("the host holds every acknowledged upload exactly once: %s", tally).isTrue();
        assertThat(spoolLeft).as("files left in the spool").isEmpty();
        assertThat(jobsWithout2xx).as("jobs for uploads that never got a 2xx").isEmpty();
        assertThat(states.keySet()).as("keys with a job").containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(states.values()).as("job states").containsOnly("succeeded");
        for (Phones.Outcome o : expected.values()) {
            assertThat(jobs.get(o.key()).get("remotePath").asText()).as("remotePath of %s", o.key())
                    .isEqualTo(path.apply(o));
        }
        // The loop did what it claims: kills landed on running deliveries, and mostly where they were aimed.
        assertThat(CrashRecoveryTest.sumOf(CrashRecoveryTest.RECOVERED, log, 1)).as("deliveries in flight at a kill").isPositive();
        assertThat(missed.values().stream().mapToInt(Integer::intValue).sum()).as("kills that missed their aim")
                .isLessThanOrEqualTo(KILLS / 2);
        return new Report(outcomes, jobs.values().stream().map(j -> j.get("id").asText()).collect(Collectors.toSet()));
    }

    /**
     * Arms {@code aim} and waits until an observer sees it happen and kills the run on the spot; if it does not
     * happen in time, kills at a random moment instead. Returns the phase the kill landed on.
     */
    private Phase killAt(SidecarRuns.Run run, Phase aim, Random random) throws Exception {
        CompletableFuture<Phase> done = new CompletableFuture<>();
        fired = done;
        aimedAt = run;
        if (aim == Phase.RANDOM) {
            armed.set(Phase.RANDOM);
            Thread.sleep(50 + random.nextInt(1500));
            fire(Phase.RANDOM);
        } else {
            armed.set(aim);
        }
        try {
            return done.get(AIM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException notSeen) {
            if (armed.compareAndSet(aim, Phase.RANDOM)) {
                fire(Phase.RANDOM);
            }
            return done.get(10, TimeUnit.SECONDS);
        }
    }

    /** Kills the aimed-at run if {@code phase} is the armed one; true if this call killed it. */
    private boolean fire(Phase phase) {
        if (!armed.compareAndSet(phase, null)) {
            return false;
        }
        aimedAt.process().killNow();
        fired.complete(phase);
        return true;
    }

    /** Watches the sidecar ↔ host traffic for the armed phase. */
    private final class AimingTap implements FaultProxy.Tap {
        @Override
        public boolean requestHead(FaultProxy.Request r) {
            if (r.method().equals("MOVE") && r.path().endsWith("/.file")) {
                return true; // the assembly: acted on when the host answers
            }
            if (r.method().equals("MOVE") && isTemp(r)) {
                return !fire(Phase.MOVE_SEEN); // killed: the MOVE never reaches the host
            }
            if (r.method().equals("PROPFIND") && !isTemp(r) && r.path().endsWith(".JPG")) {
                fire(Phase.VERIFY);
            }
            return true;
        }

        @Override
        public void requestBody(FaultProxy.Request r, long forwarded) {
            if (r.method().equals("PUT") && forwarded < r.contentLength()) {
                if (isChunk(r)) {
                    fire(Phase.CHUNK_PUT);
                } else if (isTemp(r)) {
                    fire(Phase.PUT);
                }
            }
        }

        @Override
        public void responseHead(FaultProxy.Request r, int status) {
            if (r.method().equals("PUT") && isTemp(r) && !isChunk(r)) {
                fire(Phase.PUT_ANSWERED);
            } else if (r.method().equals("MOVE") && r.path().endsWith("/.file")) {
                fire(Phase.CHUNK_ASSEMBLY);
            } else if (r.method().equals("MOVE") && isTemp(r)) {
                fire(Phase.MOVE_ANSWERED);
            }
        }

        private boolean isTemp(FaultProxy.Request r) {
            return r.path().contains("/.sidecar-");
        }

        private boolean isChunk(FaultProxy.Request r) {
            return r.path().contains("/remote.php/dav/uploads/");
        }
    }

    /** Follows the sidecar's log (all runs append to it) and fires {@link Phase#SUCCEEDED} on each success line. */
    private Thread tailForSuccesses(Path logFile) {
        Thread t = new Thread(() -> {
            try (RandomAccessFile f = new RandomAccessFile(logFile.toFile(), "r")) {
                StringBuilder partial = new StringBuilder();
                byte[] buf = new byte[64 * 1024];
                while (!Thread.currentThread().isInterrupted()) {
                    int n = f.read(buf);
                    if (n <= 0) {
                        Thread.sleep(2);
                        continue;
                    }
                    partial.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                    int nl;
                    while ((nl = partial.indexOf("\n")) >= 0) {
                        if (partial.substring(0, nl).contains(" delivering -> succeeded ")) {
                            fire(Phase.SUCCEEDED);
                        }
                        partial.delete(0, nl + 1);
                    }
                }
            } catch (IOException | InterruptedException e) {
                // the test is over
            }
        }, "crash-loop-log-tail");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static String describe(Map<Phase, Integer> counts) {
        return counts.isEmpty() ? "none" : counts.entrySet().stream().map(e -> e.getKey().label + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** The files of {@code folder} on the Nextcloud, hashed; the sidecar's temporary files listed apart. */
    private static HostInventory nextcloudInventory(Sardine sardine, NextcloudEnv nc, String folder) {
        Map<String, List<Path>> byHash = new HashMap<>();
        List<Path> temps = new ArrayList<>();
        try {
            for (DavResource r : sardine.list(nc.filesUrl(folder), 1)) {
                if (r.isDirectory()) {
                    continue;
                }
                if (r.getName().startsWith(".sidecar-")) {
                    temps.add(Path.of(r.getName()));
                    continue;
                }
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                try (InputStream in = sardine.get(nc.filesUrl(folder + "/" + r.getName()))) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) >= 0; ) {
                        md.update(buf, 0, n);
                    }
                }
                byHash.computeIfAbsent(HexFormat.of().formatHex(md.digest()), k -> new ArrayList<>()).add(Path.of(r.getName()));
            }
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("cannot list " + folder + " on the Nextcloud: " + e, e);
        }
        return new HostInventory(byHash, temps);
    }
}
