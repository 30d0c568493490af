package dev.photosidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.Benchmark;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The performance benchmark (issues 8, 17 and 18). Not a test: it asserts nothing about speed. It starts lighttpd,
 * runs seven scenarios against the real jar and against references measured in the same run, interleaved (intake on
 * a fresh and on a warm server, end to end, a large file, queue scale, start-up with and without the AppCDS
 * archive, resumable intake against {@code @tus/server}, and 1 to 3 replicas on PostgreSQL beside one sidecar on
 * SQLite ({@link ScaleOut})), and writes {@code target/bench/report.md} and
 * {@code report.png}, with issue 17's goals as a pass/fail column. Run it with {@code bin/bench} (or
 * {@code mvn -B -Pbench verify}); {@code -Dbench.quick=true} makes a short trial run, and
 * {@code -Dbench.profile=1,2} adds one unmeasured run of each listed scenario's sidecar under Java Flight Recorder
 * and writes where its CPU and fsyncs went to {@code target/bench/profile.md}. See docs/performance.md.
 */
@Benchmark
class PerformanceBench {
    private static final boolean QUICK = Boolean.getBoolean("bench.quick");
    private static final List<String> PROFILE = List.of(System.getProperty("bench.profile", "").replace("true", "2").split(","));
    private static final String ONLY = System.getProperty("bench.scenarios", "1,2,3,4,5,6,7");
    private static final int MIB = 1 << 20;
    private static final int INTAKE_FILES = QUICK ? 100 : 500;
    private static final int INTAKE_REPS = QUICK ? 2 : 5;
    private static final int INTAKE_CLIENTS = 8;
    /** Uploads a server has taken before its warm figure is measured: a server runs for months, not for 50 files. */
    private static final int WARM_UPLOADS = QUICK ? 400 : 2000;
    private static final int TUS_FILES = QUICK ? 100 : 300;
    private static final int TUS_REPS = QUICK ? 2 : 3;
    private static final int E2E_FILES = QUICK ? 200 : 1000;
    private static final int E2E_REPS = QUICK ? 2 : 3;
    private static final int E2E_PARALLEL = 4;
    private static final long BIG_SIZE = QUICK ? 256L * MIB : 1024L * MIB;
    private static final int BIG_REPS = QUICK ? 1 : 2;
    private static final int QUEUE_LARGE = QUICK ? 20_000 : 100_000;
    private static final int QUEUE_SMALL = 1_000;
    private static final int QUEUE_ROUNDS = QUICK ? 2 : 3;
    private static final int QUEUE_SAMPLES = QUICK ? 100 : 400;
    private static final int STARTUP_REPS = QUICK ? 2 : 5;
    private static final int WARMUP_FILES = QUICK ? 20 : 50;
    private static final int SCALE_OUT_REPS = QUICK ? 1 : 3;
    private static final String HEAP = "-Xmx128m";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path out = Path.of(System.getProperty("project.basedir", "."), "target", "bench");
    private final Path work = out.resolve("work");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final BenchReport report = new BenchReport();
    private final List<String> failures = new ArrayList<>();
    private final StringBuilder profile = new StringBuilder();
    private WebDavServer dav;
    private List<Path> files;

    @Test
    void run() throws Exception {
        Instant started = Instant.now();
        LoadAverage load = new LoadAverage();
        DurableWrites.deleteTree(work);
        Files.createDirectories(work);
        dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, work.resolve("lighttpd"));
        try {
            files = sourceFiles(work.resolve("files"), E2E_FILES);
            scenario("1 intake", this::intake);
            scenario("2 end to end", this::endToEnd);
            scenario("3 large file", this::largeFile);
            scenario("4 queue scale", this::queueScale);
            scenario("5 start-up", this::startup);
            scenario("6 resumable intake", this::resumableIntake);
            scenario("7 scale-out", () -> new ScaleOut(dav, files, work, report, INTAKE_FILES, E2E_FILES, WARMUP_FILES, SCALE_OUT_REPS,
                    INTAKE_CLIENTS).run());
        } finally {
            dav.close();
        }
        double minutes = (Instant.now().toEpochMilli() - started.toEpochMilli()) / 60_000.0;
        String header = "# Benchmark report\n\n"
                + "- run: " + DateTimeFormatter.ISO_INSTANT.format(started.atOffset(ZoneOffset.UTC).withNano(0).toInstant())
                + (QUICK ? " (quick mode: fewer files and repetitions)" : "") + String.format(Locale.ROOT, ", %.1f min", minutes) + "\n"
                + "- machine: " + Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", " + curlVersion() + ", " + rcloneVersion() + ", " + NodePackage.nodeVersion() + ", lighttpd on loopback\n"
                + "- load average (1 min, read every 10 s): " + load.range() + " on " + Runtime.getRuntime().availableProcessors()
                + " cores\n"
                + "- medians of the repetitions; spread is min–max; the sidecar and its references ran interleaved\n";
        load.close();
        report.write(out, header);
        if (profile.length() > 0) {
            Files.writeString(out.resolve("profile.md"), profile.toString());
        }
        System.out.println(report.markdown(header));
        System.out.println("Report: " + out.resolve("report.md") + " and " + out.resolve("report.png"));
        if (failures.isEmpty()) {
            DurableWrites.deleteTree(work);
        } else {
            throw new AssertionError("scenarios failed (work folder kept in " + work + "): " + failures);
        }
    }

    private interface Scenario {
        void run() throws Exception;
    }

    /** Runs one scenario (if -Dbench.scenarios lists its number); a failure is reported and the others still run. */
    private void scenario(String name, Scenario s) {
        if (!List.of(ONLY.split(",")).contains(name.substring(0, 1))) {
            return;
        }
        System.out.println("== scenario " + name);
        try {
            s.run();
        } catch (Exception | AssertionError e) {
            e.printStackTrace(System.out);
            failures.add(name + ": " + e);
            report.fact("scenario " + name + " FAILED: " + e.getMessage());
        }
    }

    // ---- 1. durable intake ---------------------------------------------------------------------------

    private void intake() throws Exception {
        List<Path> batch = files.subList(0, INTAKE_FILES);
        Series fresh = new Series("files/s");
        Series delivering = new Series("files/s");
        Series warm = new Series("files/s");
        Series durable = new Series("files/s");
        Series curl = new Series("files/s");
        Series freshCpu = new Series("CPU ms/file");
        Series warmCpu = new Series("CPU ms/file");
        Series durableCpu = new Series("CPU ms/file");
        long rssLoad = 0;
        long heapLoad = 0;
        try (Running hot = startSidecar("s1-warm", List.of(), HOLD_DELIVERIES)) {
            // One server for the whole scenario, warmed like one that has run for a while; the others are fresh.
            warmUp(hot, WARM_UPLOADS);
            for (int rep = 0; rep < INTAKE_REPS; rep++) {
                // Rotate the order so that no system always runs first (warm caches, a neighbour's build).
                for (int k = 0; k < 5; k++) {
                    DiskSettle.settle(files.subList(0, Math.max(INTAKE_FILES, WARMUP_FILES)));
                    switch ((rep + k) % 5) {
                        case 0 -> {
                            Intake r = freshIntake("s1-fresh-" + rep, batch, true);
                            fresh.add(batch.size() / r.seconds());
                            freshCpu.add(r.cpuMsPerFile());
                        }
                        case 1 -> delivering.add(batch.size() / freshIntake("s1-delivering-" + rep, batch, false).seconds());
                        case 2 -> {
                            int mark = hot.sidecar().gcLogMark();
                            double cpu0 = hot.sidecar().cpuSeconds();
                            try (RssSampler rss = new RssSampler(hot.sidecar().pid())) {
                                warm.add(batch.size() / upload(hot, batch, "run" + rep, INTAKE_CLIENTS));
                                rssLoad = Math.max(rssLoad, rss.peakBytes());
                            }
                            warmCpu.add((hot.sidecar().cpuSeconds() - cpu0) * 1000 / batch.size());
                            heapLoad = Math.max(heapLoad, hot.sidecar().peakHeapBytesSince(mark));
                        }
                        case 3 -> {
                            Path dir = work.resolve("s1-durable-" + rep);
                            double cpu0 = benchCpuSeconds();
                            durable.add(batch.size() / DurableWrites.run(batch, INTAKE_CLIENTS, dir));
                            durableCpu.add((benchCpuSeconds() - cpu0) * 1000 / batch.size());
                            DurableWrites.deleteTree(dir);
                        }
                        default -> {
                            String folder = "s1-curl-" + rep;
                            curlToDav(files.subList(0, WARMUP_FILES), folder + "-warm", INTAKE_CLIENTS);
                            curl.add(batch.size() / curlToDav(batch, folder, INTAKE_CLIENTS));
                            DurableWrites.deleteTree(dav.root().resolve(folder));
                            DurableWrites.deleteTree(dav.root().resolve(folder + "-warm"));
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "intake rep %d: warm %s, fresh %s, fresh while delivering %s, durable %s, curl %s%n",
                        rep, last(warm), last(fresh), last(delivering), last(durable), last(curl));
            }
            Thread.sleep(5000); // at rest: what the server holds between bursts, after its last request
            report.fact(String.format(Locale.ROOT, "1 intake, memory of the warm server (default heap settings, %,d uploads taken): "
                            + "under load RSS %.0f MiB (VmRSS, sampled every 50 ms), heap %.0f MiB (GC log, before collections); "
                            + "at rest 5 s later RSS %.0f MiB, heap in use %.0f MiB (jcmd GC.heap_info)",
                    WARM_UPLOADS + INTAKE_REPS * INTAKE_FILES, rssLoad / (double) MIB, heapLoad / (double) MIB,
                    ProcessStats.rssBytes(hot.sidecar().pid()) / (double) MIB, hot.sidecar().heapUsedBytes() / (double) MIB));
        }
        String figure = INTAKE_FILES + " × 1 MiB, " + INTAKE_CLIENTS + " clients, until 2xx";
        String durableName = "disk's durable limit (Java: write, fsync, rename, fsync dir; 8 threads)";
        String warmName = String.format(Locale.ROOT, "warm server (after %,d uploads in the same JVM)", WARM_UPLOADS);
        report.add(Row.throughput("1 intake", figure + ", " + warmName + ", deliveries held", warm, durableName, durable, 0.5,
                "deliveries held: lighttpd refuses the sidecar's password, which pauses the user's deliveries for 10 minutes"
                        + " without spending attempts, so the figure is intake alone; the warm server takes every repetition's batch"));
        report.add(Row.throughput("1 intake", figure + ", fresh server (after " + WARMUP_FILES + " uploads), deliveries held",
                fresh, durableName, durable, 0, ""));
        report.add(Row.throughput("1 intake", figure + ", fresh server, delivering meanwhile", delivering, durableName, durable, 0,
                "deliveries to lighttpd run at full speed on the same disk and the same ledger during the intake"));
        report.add(Row.throughput("1 intake", figure + ", " + warmName + ", deliveries held", warm,
                "curl PUT straight to lighttpd (8 parallel; not durable)", curl, 0, ""));
        String cpuName = "durable limit's CPU per file (the benchmark's JVM while it wrote)";
        report.add(Row.cost("1 intake", "CPU per 1 MiB upload, " + warmName, warmCpu, cpuName, durableCpu, 2.0,
                "user + system of the sidecar's whole process (/proc/PID/stat) over the batch, divided by the files"));
        report.add(Row.cost("1 intake", "CPU per 1 MiB upload, fresh server", freshCpu, cpuName, durableCpu, 0, ""));
        if (PROFILE.contains("1")) {
            profileWarmIntake(batch);
        }
    }

    private static final Map<String, String> HOLD_DELIVERIES = Map.of("SIDECAR_WEBDAV_PASSWORD", "wrong-password-holds-deliveries");

    /** Seconds a batch took and the server's CPU per file over it. */
    private record Intake(double seconds, double cpuMsPerFile) {
    }

    private static double benchCpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e9;
    }

    /** {@code count} uploads of the source files (round after round, new keys each time), 8 clients. */
    private void warmUp(Running sc, int count) throws Exception {
        long t0 = System.nanoTime();
        for (int round = 0, done = 0; done < count; round++) {
            List<Path> chunk = files.subList(0, Math.min(files.size(), count - done));
            upload(sc, chunk, "w" + round, INTAKE_CLIENTS);
            done += chunk.size();
        }
        System.out.printf(Locale.ROOT, "warm-up of %s: %d uploads in %.1f s%n", sc.dir().getFileName(), count,
                (System.nanoTime() - t0) / 1e9);
    }

    /** Takes {@code batch} with 8 clients into a fresh sidecar, after a warm-up batch. */
    private Intake freshIntake(String name, List<Path> batch, boolean holdDeliveries) throws Exception {
        try (Running sc = startSidecar(name, List.of(), holdDeliveries ? HOLD_DELIVERIES : Map.of())) {
            upload(sc, files.subList(0, WARMUP_FILES), "warm", INTAKE_CLIENTS);
            double cpu0 = sc.sidecar().cpuSeconds();
            double seconds = upload(sc, batch, "run", INTAKE_CLIENTS);
            return new Intake(seconds, (sc.sidecar().cpuSeconds() - cpu0) * 1000 / batch.size());
        } finally {
            DurableWrites.deleteTree(dav.root().resolve(name));
        }
    }

    /**
     * One more warm server, unmeasured: after its warm-up, two batches under a flight recording started with jcmd
     * (so the recording holds neither start-up nor warm-up), broken down by {@link CostBreakdown}.
     */
    private void profileWarmIntake(List<Path> batch) throws Exception {
        try (Running sc = startSidecar("s1-profile", List.of(), HOLD_DELIVERIES)) {
            warmUp(sc, WARM_UPLOADS);
            // First a batch without the recorder: starting JFR makes the JIT compile again (its events are
            // instrumented into the JDK's file and socket code), so CPU by thread is only true without it.
            ThreadCpu quiet0 = ThreadCpu.snapshot(sc.sidecar().pid());
            double quietCpu0 = sc.sidecar().cpuSeconds();
            upload(sc, batch, "q0", INTAKE_CLIENTS);
            profile.append("### Scenario 1: warm intake (after ").append(WARM_UPLOADS).append(" uploads), deliveries held\n\n")
                    .append(String.format(Locale.ROOT, "One batch of %d without the recorder: %.2f CPU ms per upload.%n%n", batch.size(),
                            (sc.sidecar().cpuSeconds() - quietCpu0) * 1000 / batch.size()))
                    .append(ThreadCpu.snapshot(sc.sidecar().pid()).tableSince(quiet0, batch.size()))
                    .append("\nThen two batches under the recorder:\n\n");
            Path recording = out.resolve("s1-profile.jfr");
            sc.sidecar().startRecording(recording, CostBreakdown.settings(out));
            double cpu0 = sc.sidecar().cpuSeconds();
            ThreadCpu threads0 = ThreadCpu.snapshot(sc.sidecar().pid());
            upload(sc, batch, "p0", INTAKE_CLIENTS);
            upload(sc, batch, "p1", INTAKE_CLIENTS);
            double cpu = sc.sidecar().cpuSeconds() - cpu0;
            String threads = ThreadCpu.snapshot(sc.sidecar().pid()).tableSince(threads0, 2 * batch.size());
            sc.sidecar().stopRecording();
            profile.append(CostBreakdown.table(recording, cpu, 2 * batch.size(), threads))
                    .append(JfrSummary.summarise(recording, 15)).append('\n');
        }
    }

    // ---- 2. end to end -------------------------------------------------------------------------------

    private void endToEnd() throws Exception {
        Series sidecar = new Series("files/s");
        Series warm = new Series("files/s");
        Series rclone = new Series("files/s");
        Series curl = new Series("files/s");
        try (Running hot = startSidecar("s2-warm", List.of())) {
            // One server for the whole scenario that has delivered as many files as scenario 1's warm one took
            // before it is measured: a server runs for months, and the JIT was a third of a fresh one's CPU.
            int warmUps = 0;
            for (int round = 0; warmUps < WARM_UPLOADS; round++) {
                List<Path> batch = files.subList(0, Math.min(files.size(), WARM_UPLOADS - warmUps));
                upload(hot, batch, "w" + round, E2E_PARALLEL);
                warmUps += batch.size();
            }
            awaitAllDelivered(hot);
            int measured = 0;
            for (int rep = 0; rep < E2E_REPS; rep++) {
                for (int k = 0; k < 4; k++) {
                    DiskSettle.settle(files);
                    switch ((rep + k) % 4) {
                        case 0 -> sidecar.add(files.size() / sidecarEndToEnd("s2-sidecar-" + rep));
                        case 1 -> {
                            warm.add(files.size() / endToEndBatch(hot, "run" + rep, null));
                            measured += files.size();
                        }
                        case 2 -> rclone.add(files.size() / rcloneCopy("s2-rclone-" + rep));
                        default -> {
                            String folder = "s2-curl-" + rep;
                            Curl.mkcol(dav.uri(folder + "/"), dav.basicAuth());
                            curl.add(files.size() / curlToDav(files, folder, E2E_PARALLEL));
                            DurableWrites.deleteTree(dav.root().resolve(folder));
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "end-to-end rep %d: sidecar fresh %s, warm %s, rclone %s, curl %s%n", rep, last(sidecar),
                        last(warm), last(rclone), last(curl));
            }
            if (PROFILE.contains("2")) {
                endToEndBatch(hot, "profile", String.format(Locale.ROOT, "### Scenario 2: end to end on the warm server (after %,d "
                        + "delivered uploads), %d files, intake and delivery%n%n", warmUps + measured, files.size()));
                measured += files.size();
            }
            expectDelivered(hot, "s2-warm", warmUps + measured);
        } finally {
            DurableWrites.deleteTree(dav.root().resolve("s2-warm"));
        }
        String figure = E2E_FILES + " × 1 MiB, client to all delivered";
        String warmFigure = String.format(Locale.ROOT, "%s, warm server (after %,d delivered uploads in the same JVM)", figure,
                WARM_UPLOADS);
        String freshFigure = figure + ", fresh server (after " + WARMUP_FILES + ")";
        String clientNote = "the sidecar's client is curl with " + E2E_PARALLEL + " in parallel; the clock stops when no job is pending "
                + "or delivering";
        String rcloneRef = "rclone copy (--transfers " + E2E_PARALLEL + ", its default)";
        String curlRef = "curl PUT to lighttpd, " + E2E_PARALLEL + " in parallel";
        report.add(Row.throughput("2 end to end", warmFigure, warm, rcloneRef, rclone, 1.0, clientNote));
        report.add(Row.throughput("2 end to end", warmFigure, warm, curlRef, curl, 0.5, ""));
        report.add(Row.throughput("2 end to end", freshFigure, sidecar, rcloneRef, rclone, 1.0, clientNote));
        report.add(Row.throughput("2 end to end", freshFigure, sidecar, curlRef, curl, 0.5, ""));
    }

    /** Uploads every file through a fresh sidecar and waits until all are delivered; seconds from the first byte. */
    private double sidecarEndToEnd(String name) throws Exception {
        try (Running sc = startSidecar(name, List.of())) {
            upload(sc, files.subList(0, WARMUP_FILES), "warm", E2E_PARALLEL);
            awaitAllDelivered(sc);
            double seconds = endToEndBatch(sc, "run", null);
            expectDelivered(sc, name, files.size() + WARMUP_FILES);
            return seconds;
        } finally {
            DurableWrites.deleteTree(dav.root().resolve(name));
        }
    }

    /**
     * Seconds from the first byte of {@code files} (keys {@code prefix-…}) until every job is delivered; with a
     * {@code profileTitle}, under a flight recording whose breakdown goes to the profile under that title.
     */
    private double endToEndBatch(Running sc, String prefix, String profileTitle) throws Exception {
        Path recording = out.resolve("s2-" + prefix + ".jfr");
        if (profileTitle != null) {
            sc.sidecar().startRecording(recording, CostBreakdown.settings(out)); // the measured work only
        }
        double cpu0 = sc.sidecar().cpuSeconds();
        ThreadCpu threads0 = ThreadCpu.snapshot(sc.sidecar().pid());
        long t0 = System.nanoTime();
        Curl.put(uploads(sc, files, prefix), auth(sc), E2E_PARALLEL, sc.dir());
        awaitAllDelivered(sc);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (profileTitle != null) {
            double cpu = sc.sidecar().cpuSeconds() - cpu0;
            String threads = ThreadCpu.snapshot(sc.sidecar().pid()).tableSince(threads0, files.size());
            sc.sidecar().stopRecording();
            profile.append(profileTitle).append(CostBreakdown.table(recording, cpu, files.size(), threads))
                    .append(JfrSummary.summarise(recording, 15)).append('\n');
        }
        return seconds;
    }

    /** Every job succeeded, and lighttpd holds exactly one file per job: no upload lost, none twice. */
    private void expectDelivered(Running sc, String folder, int jobs) throws Exception {
        int succeeded = countJobs(sc, "succeeded");
        if (succeeded != jobs) {
            throw new IllegalStateException(succeeded + " jobs succeeded, expected " + jobs);
        }
        long onHost = countFiles(dav.root().resolve(folder));
        if (onHost != jobs) {
            throw new IllegalStateException(onHost + " files on lighttpd, expected " + jobs);
        }
    }

    private double rcloneCopy(String folder) throws Exception {
        Path conf = work.resolve("rclone.conf");
        if (!Files.exists(conf)) {
            Files.writeString(conf, ""); // never the user's own ~/.config/rclone
        }
        Map<String, String> env = new HashMap<>();
        env.put("RCLONE_CONFIG", conf.toString());
        env.put("RCLONE_CONFIG_BENCH_TYPE", "webdav");
        env.put("RCLONE_CONFIG_BENCH_URL", dav.baseUrl());
        env.put("RCLONE_CONFIG_BENCH_VENDOR", "other");
        env.put("RCLONE_CONFIG_BENCH_USER", dav.user());
        env.put("RCLONE_CONFIG_BENCH_PASS", run(Map.of(), "rclone", "obscure", dav.password()).strip());
        long t0 = System.nanoTime();
        run(env, "rclone", "copy", "--transfers", String.valueOf(E2E_PARALLEL), files.get(0).getParent().toString(), "bench:" + folder);
        double seconds = (System.nanoTime() - t0) / 1e9;
        long onHost = countFiles(dav.root().resolve(folder));
        DurableWrites.deleteTree(dav.root().resolve(folder));
        if (onHost != files.size()) {
            throw new IllegalStateException("rclone left " + onHost + " files, expected " + files.size());
        }
        return seconds;
    }

    // ---- 3. large file -------------------------------------------------------------------------------

    private void largeFile() throws Exception {
        Path big = work.resolve("big").resolve("VIDEO_0001.MOV");
        writeRandom(big, BIG_SIZE, 99);
        double mb = BIG_SIZE / 1e6;
        // The first large file after a start, and the second: the first pays for compiling the copy, hash and
        // delivery loops (a server runs for months, and issue 17's goals are on the warm figures).
        Series intake = new Series("MB/s");
        Series delivery = new Series("MB/s");
        Series intakeWarm = new Series("MB/s");
        Series deliveryWarm = new Series("MB/s");
        Series curl = new Series("MB/s");
        Series durable = new Series("MB/s");
        long heapPeak = 0;
        long rssPeak = 0;
        for (int rep = 0; rep < BIG_REPS; rep++) {
            for (int k = 0; k < 3; k++) {
                DiskSettle.settle(List.of(big));
                if ((rep + k) % 3 == 2) {
                    // The durable reference: the same bytes written and fsynced from Java, renamed, folder fsynced.
                    Path dir = work.resolve("s3-durable-" + rep);
                    durable.add(mb / DurableWrites.run(List.of(big), 1, dir));
                    DurableWrites.deleteTree(dir);
                } else if ((rep + k) % 3 == 0) {
                    String name = "s3-sidecar-" + rep;
                    try (Running sc = startSidecar(name, List.of(HEAP, "-XX:+ExitOnOutOfMemoryError"))) {
                        for (int nth = 1; nth <= 2; nth++) {
                            DiskSettle.settle(List.of(big)); // the second file, too, starts on a settled disk
                            String key = "big-" + rep + "-" + nth;
                            double seconds = Curl.put(List.of(new Curl.Upload(sc.sidecar().uri("/v1/uploads/" + key), big,
                                    Map.of("X-Filename", "VIDEO_000" + nth + ".MOV", "Content-Type", "video/quicktime"))), auth(sc), 1,
                                    sc.dir());
                            (nth == 1 ? intake : intakeWarm).add(mb / seconds);
                            awaitAllDelivered(sc);
                            JsonNode job = getJson(sc, "/v1/uploads/" + key);
                            if (!job.get("state").asText().equals("succeeded")) {
                                throw new IllegalStateException("the large file was not delivered: " + job + "\n" + sc.sidecar().log());
                            }
                            double deliverySeconds = (Instant.parse(job.get("deliveredAt").asText()).toEpochMilli()
                                    - Instant.parse(job.get("receivedAt").asText()).toEpochMilli()) / 1e3;
                            (nth == 1 ? delivery : deliveryWarm).add(mb / deliverySeconds);
                        }
                        heapPeak = Math.max(heapPeak, sc.sidecar().peakHeapBytes());
                        rssPeak = Math.max(rssPeak, sc.sidecar().peakRssBytes());
                    } finally {
                        DurableWrites.deleteTree(dav.root().resolve(name));
                    }
                } else {
                    String folder = "s3-curl-" + rep;
                    Curl.mkcol(dav.uri(folder + "/"), dav.basicAuth());
                    curl.add(mb / curlToDav(List.of(big), folder, 1));
                    DurableWrites.deleteTree(dav.root().resolve(folder));
                }
            }
            System.out.printf(Locale.ROOT, "large rep %d: intake %s (warm %s), delivery %s (warm %s), durable %s, curl %s%n", rep,
                    last(intake), last(intakeWarm), last(delivery), last(deliveryWarm), last(durable), last(curl));
        }
        if (PROFILE.contains("3")) {
            try (Running sc = startSidecar("s3-profile", List.of(HEAP))) {
                // intake and delivery of the one file, separately: the delivery starts once the 201 is out, so the
                // recordings are summarised only after both (jfr print takes seconds)
                StringBuilder phases = new StringBuilder();
                List<Runnable> summaries = new ArrayList<>();
                for (String phase : List.of("intake", "delivery")) {
                    Path recording = out.resolve("s3-profile-" + phase + ".jfr");
                    sc.sidecar().startRecording(recording, CostBreakdown.settings(out));
                    ThreadCpu threads0 = ThreadCpu.snapshot(sc.sidecar().pid());
                    double cpu0 = sc.sidecar().cpuSeconds();
                    long t0 = System.nanoTime();
                    if (phase.equals("intake")) {
                        Curl.put(List.of(new Curl.Upload(sc.sidecar().uri("/v1/uploads/big-profile"), big,
                                Map.of("X-Filename", "VIDEO_0002.MOV", "Content-Type", "video/quicktime"))), auth(sc), 1, sc.dir());
                    } else {
                        awaitAllDelivered(sc);
                    }
                    double seconds = (System.nanoTime() - t0) / 1e9;
                    double cpu = sc.sidecar().cpuSeconds() - cpu0;
                    String threads = ThreadCpu.snapshot(sc.sidecar().pid()).tableSince(threads0, 1);
                    sc.sidecar().stopRecording();
                    summaries.add(() -> {
                        try {
                            phases.append(String.format(Locale.ROOT, "### Scenario 3: one %d MiB file, %s (%.1f s, %.0f MB/s under the "
                                            + "recorder)%n%n", BIG_SIZE / MIB, phase, seconds, mb / seconds))
                                    .append(CostBreakdown.table(recording, cpu, 1, threads))
                                    .append(JfrSummary.summarise(recording, 15)).append('\n');
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            throw new IllegalStateException(e);
                        }
                    });
                }
                summaries.forEach(Runnable::run);
                profile.append(phases);
            } finally {
                DurableWrites.deleteTree(dav.root().resolve("s3-profile"));
            }
        }
        Files.delete(big);
        String figure = String.format(Locale.ROOT, "one %d MiB file", BIG_SIZE / MIB);
        String durableRef = "durable reference (Java: write through 64 KiB, fsync, rename, fsync dir)";
        report.add(Row.throughput("3 large file", figure + ": intake, until 201, warm server (its second large file)", intakeWarm,
                durableRef, durable, 0.8,
                "intake hashes the body and fsyncs the whole file before the 201; the durable reference writes and fsyncs the same bytes, no hash"));
        report.add(Row.throughput("3 large file", figure + ": intake, until 201, fresh server (its first large file)", intake,
                durableRef, durable, 0, "the first large file after a start also pays for compiling the copy and hash loops"));
        report.add(Row.throughput("3 large file", figure + ": intake, until 201, warm server", intakeWarm,
                "curl PUT to lighttpd (not durable)", curl, 0, "lighttpd does not fsync: its figure is the page cache's speed"));
        report.add(Row.throughput("3 large file", figure + ": delivery to lighttpd, warm server", deliveryWarm, "curl PUT to lighttpd", curl,
                0.7, "delivery is the job's receivedAt to deliveredAt: PUT, MOVE and PROPFIND check"));
        report.add(Row.throughput("3 large file", figure + ": delivery to lighttpd, fresh server", delivery, "curl PUT to lighttpd", curl,
                0, ""));
        report.fact(String.format(Locale.ROOT, "3 large file, sidecar at %s: peak heap %.0f MiB (GC log, before collections), "
                        + "peak RSS %.0f MiB (VmHWM), for a %d MiB file — the heap never held the file",
                HEAP, heapPeak / (double) MIB, rssPeak / (double) MIB, BIG_SIZE / MIB));
    }

    // ---- 4. queue scale ------------------------------------------------------------------------------

    private void queueScale() throws Exception {
        try (QueueScale small = QueueScale.start(work.resolve("s4-small"), QUEUE_SMALL);
             QueueScale large = QueueScale.start(work.resolve("s4-large"), QUEUE_LARGE)) {
            Map<String, QueueScale.Op> ops = new LinkedHashMap<>();
            ops.put("claim the next batch (claimDue, 4 jobs)", QueueScale::claim);
            ops.put("GET /v1/jobs/{id}", QueueScale::getJob);
            ops.put("GET /v1/jobs?state=failed (one device, first page)", QueueScale::listFailed);
            for (Map.Entry<String, QueueScale.Op> op : ops.entrySet()) {
                Series p50Small = new Series("ms");
                Series p50Large = new Series("ms");
                Series p99Small = new Series("ms");
                Series p99Large = new Series("ms");
                for (int round = 0; round < QUEUE_ROUNDS; round++) {
                    List<List<Double>> s = QueueScale.interleaved(small, large, op.getValue(), round == 0 ? 100 : 20, QUEUE_SAMPLES);
                    p50Small.add(Series.percentile(s.get(0), 50));
                    p50Large.add(Series.percentile(s.get(1), 50));
                    p99Small.add(Series.percentile(s.get(0), 99));
                    p99Large.add(Series.percentile(s.get(1), 99));
                }
                String ledgers = String.format(Locale.ROOT, "ledger of %,d jobs", QUEUE_SMALL);
                String figure = String.format(Locale.ROOT, "%s at %,d jobs", op.getKey(), QUEUE_LARGE);
                report.add(Row.cost("4 queue scale", figure + ", p50", p50Large, ledgers, p50Small, 0, ""));
                report.add(Row.cost("4 queue scale", figure + ", p99", p99Large, ledgers, p99Small, 2.0,
                        QUEUE_SAMPLES + " samples per round, " + QUEUE_ROUNDS + " rounds; reps = rounds"));
                System.out.printf(Locale.ROOT, "queue %s: p50 %s vs %s ms, p99 %s vs %s ms%n", op.getKey(),
                        Series.format(p50Large.median()), Series.format(p50Small.median()),
                        Series.format(p99Large.median()), Series.format(p99Small.median()));
            }
            report.fact(String.format(Locale.ROOT, "4 queue scale: %d devices of %d users; per device %d failed jobs whatever the ledger's size "
                            + "(a device acknowledges them), so the failed page lists %d jobs on both; 15 %% pending (a backlog), "
                            + "the rest succeeded, cancelled or acknowledged history", QueueScale.DEVICES, QueueScale.DEVICES / 2,
                    LedgerFill.FAILED_PER_DEVICE, large.failedPageSize()));
        }
    }

    // ---- 5. start-up ---------------------------------------------------------------------------------

    private void startup() throws Exception {
        Path archive = JarSidecar.jar().resolveSibling("photo-sidecar.jsa");
        if (!Files.isRegularFile(archive)
                || Files.getLastModifiedTime(archive).compareTo(Files.getLastModifiedTime(JarSidecar.jar())) < 0) {
            throw new IllegalStateException("no AppCDS archive newer than the jar at " + archive + ": the build makes it "
                    + "(bin/cds-archive, the cds-archive profile; not with -DskipCds)");
        }
        Series plain = new Series("s");
        Series plainCpu = new Series("CPU s");
        Series cds = new Series("s");
        Series cdsCpu = new Series("CPU s");
        Series jvm = new Series("s");
        Series jvmCpu = new Series("CPU s");
        String cdsThreads = "";
        for (int rep = 0; rep < STARTUP_REPS; rep++) {
            for (int k = 0; k < 3; k++) {
                switch ((rep + k) % 3) {
                    case 0 -> {
                        try (Running sc = startSidecar("s5-" + rep, List.of())) {
                            plain.add(sc.sidecar().startup().toNanos() / 1e9);
                            plainCpu.add(sc.sidecar().startupCpuSeconds());
                        }
                    }
                    case 1 -> {
                        try (Running sc = startSidecar("s5-cds-" + rep, List.of("-XX:SharedArchiveFile=" + archive))) {
                            if (!sc.sidecar().mapped(archive)) {
                                throw new IllegalStateException("the JVM started without mapping " + archive + "; log:\n" + sc.sidecar().log());
                            }
                            cds.add(sc.sidecar().startup().toNanos() / 1e9);
                            cdsCpu.add(sc.sidecar().startupCpuSeconds());
                            cdsThreads = String.format(Locale.ROOT, "### Scenario 5: start-up with the archive, repetition %d "
                                            + "(%s s, %s CPU s to /readyz)%n%n%s%n", rep, last(cds), last(cdsCpu),
                                    sc.sidecar().startupThreads().tableSince(ThreadCpu.none(), 1, "start"));
                        }
                    }
                    default -> {
                        long t0 = System.nanoTime();
                        Process p = new ProcessBuilder("bash", "-c", "\"$0\" -version 2>/dev/null; cut -d' ' -f14-17 /proc/$$/stat",
                                JarSidecar.java()).redirectErrorStream(true).start();
                        String ticks = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                        p.waitFor();
                        jvm.add((System.nanoTime() - t0) / 1e9);
                        // cutime + cstime of the shell: the CPU time of its finished child, the JVM
                        String[] t = ticks.split(" ");
                        jvmCpu.add((Long.parseLong(t[2]) + Long.parseLong(t[3])) / 100.0);
                    }
                }
            }
            System.out.printf(Locale.ROOT, "start-up rep %d: with archive %s s (%s CPU s), without %s s (%s CPU s), bare JVM %s s%n", rep,
                    last(cds), last(cdsCpu), last(plain), last(plainCpu), last(jvm));
        }
        if (PROFILE.contains("5")) {
            profile.append(cdsThreads); // the last start with the archive: where its CPU went, by thread
        }
        String bare = "bare JVM (java -version)";
        String note = "the goal is absolute (under 1 s on a quiet machine); the JVM's own start is the floor";
        report.add(new Row("5 start-up", "launch of the jar to 200 from /readyz (wall), with the AppCDS archive (as bin/photo-sidecar "
                + "and the image start it)", cds, bare, jvm, false, "< 1 s", cds.median() < 1.0, note));
        report.add(new Row("5 start-up", "CPU time used by then (user + system), with the archive", cdsCpu, bare, jvmCpu, false, "", true,
                "CPU seconds move much less with the machine's load than the wall time does"));
        report.add(new Row("5 start-up", "launch of the jar to 200 from /readyz (wall), without the archive", plain, bare, jvm, false,
                "< 1 s", plain.median() < 1.0, ""));
        report.add(new Row("5 start-up", "CPU time used by then (user + system), without the archive", plainCpu, bare, jvmCpu, false, "",
                true, ""));
        report.add(Row.cost("5 start-up", "CPU time to /readyz with the archive", cdsCpu, "the same jar without the archive", plainCpu, 0,
                "what the archive saves: class loading, parsing and verification of the jar's classes"));
        report.fact(String.format(Locale.ROOT, "5 start-up: jar size %.1f MiB (%s), AppCDS archive %.1f MiB (%s, made by bin/cds-archive "
                        + "at build time)", Files.size(JarSidecar.jar()) / (double) MIB, JarSidecar.jar().getFileName(),
                Files.size(archive) / (double) MIB, archive.getFileName()));
    }

    // ---- 6. resumable intake ------------------------------------------------------------------------

    private void resumableIntake() throws Exception {
        Path pkg = NodePackage.install("tus-server-ref", "@tus/server");
        List<Path> batch = files.subList(0, TUS_FILES);
        int warmCount = Math.min(files.size(), QUICK ? 100 : 500);
        Series sidecar = new Series("files/s");
        Series reference = new Series("files/s");
        Series sidecarCpu = new Series("CPU ms/file");
        Series referenceCpu = new Series("CPU ms/file");
        long[] rss = new long[2];
        Path store = work.resolve("s6-tus-store");
        try (Running sc = startSidecar("s6-sidecar", List.of(), HOLD_DELIVERIES);
             TusServerRef ref = TusServerRef.start(pkg, store, SidecarProcess.freePort())) {
            String sidecarEndpoint = sc.sidecar().uri("/v1/tus/").toString();
            // The same client, the same headers (the reference ignores the token) and the same warm-up for both.
            Map<String, String> headers = auth(sc);
            TusClient.upload(pkg, sidecarEndpoint, headers, INTAKE_CLIENTS, tusUploads(files.subList(0, warmCount), "tw"), sc.dir());
            TusClient.upload(pkg, ref.endpoint(), headers, INTAKE_CLIENTS, tusUploads(files.subList(0, warmCount), "tw"), sc.dir());
            for (int rep = 0; rep < TUS_REPS; rep++) {
                for (int k = 0; k < 2; k++) {
                    boolean ours = (rep + k) % 2 == 0;
                    long pid = ours ? sc.sidecar().pid() : ref.pid();
                    double cpu0 = ProcessStats.cpuSeconds(pid);
                    try (RssSampler sampler = new RssSampler(pid)) {
                        double seconds = TusClient.upload(pkg, ours ? sidecarEndpoint : ref.endpoint(), headers, INTAKE_CLIENTS,
                                tusUploads(batch, "t" + rep), sc.dir());
                        (ours ? sidecar : reference).add(batch.size() / seconds);
                        rss[ours ? 0 : 1] = Math.max(rss[ours ? 0 : 1], sampler.peakBytes());
                    }
                    (ours ? sidecarCpu : referenceCpu).add((ProcessStats.cpuSeconds(pid) - cpu0) * 1000 / batch.size());
                }
                System.out.printf(Locale.ROOT, "resumable rep %d: sidecar %s files/s (%s CPU ms/file), @tus/server %s files/s (%s)%n", rep,
                        last(sidecar), last(sidecarCpu), last(reference), last(referenceCpu));
            }
            long stored;
            try (Stream<Path> walk = Files.list(store)) {
                stored = walk.filter(f -> !f.getFileName().toString().endsWith(".json")).count();
            }
            if (stored != warmCount + (long) TUS_REPS * TUS_FILES) {
                throw new IllegalStateException("@tus/server stored " + stored + " files, expected " + (warmCount + TUS_REPS * TUS_FILES));
            }
            Thread.sleep(5000);
            report.fact(String.format(Locale.ROOT, "6 resumable intake, memory: RSS under load sidecar %.0f MiB, @tus/server %.0f MiB; "
                            + "at rest 5 s later sidecar %.0f MiB, @tus/server %.0f MiB (VmRSS)", rss[0] / (double) MIB, rss[1] / (double) MIB,
                    ProcessStats.rssBytes(sc.sidecar().pid()) / (double) MIB, ProcessStats.rssBytes(ref.pid()) / (double) MIB));
        } finally {
            DurableWrites.deleteTree(store);
        }
        String figure = String.format(Locale.ROOT, "%d × 1 MiB over tus 1.0 (tus-js-client 4.3.1, %d parallel), warm servers (%d uploads "
                + "first), until every upload completes", TUS_FILES, INTAKE_CLIENTS, warmCount);
        String refName = "@tus/server 2.4.5 + @tus/file-store 2.1.1 (node; never fsyncs)";
        report.add(Row.throughput("6 resumable intake", figure + ", deliveries held", sidecar, refName, reference, 0,
                "the same client, files and order feed both in the same run; the sidecar's 2xx means fsynced and recorded, the "
                        + "reference's means written to the page cache"));
        report.add(Row.cost("6 resumable intake", "CPU per 1 MiB upload over tus", sidecarCpu, refName, referenceCpu, 0,
                "each server's whole process (/proc/PID/stat) over the batch; the client (node) is not counted for either"));
    }

    private static List<TusClient.Upload> tusUploads(List<Path> batch, String prefix) {
        List<TusClient.Upload> list = new ArrayList<>();
        for (Path f : batch) {
            list.add(new TusClient.Upload(prefix + "-" + f.getFileName(), f));
        }
        return list;
    }

    // ---- the sidecar and its clients -----------------------------------------------------------------

    /**
     * A running jar sidecar with its device token, delivering to its own folder on lighttpd. Profiles are taken
     * with {@link JarSidecar#startRecording} after a warm-up, not from the JVM's start.
     */
    private record Running(JarSidecar sidecar, String token, Path dir) implements AutoCloseable {
        @Override
        public void close() throws IOException {
            sidecar.close();
            DurableWrites.deleteTree(dir);
        }
    }

    private Running startSidecar(String name, List<String> jvmArgs) throws Exception {
        return startSidecar(name, jvmArgs, Map.of());
    }

    private Running startSidecar(String name, List<String> jvmArgs, Map<String, String> extraEnv) throws Exception {
        Path dir = work.resolve(name);
        Path data = dir.resolve("data");
        String token = JarSidecar.addDevice(data, "alice");
        Curl.mkcol(dav.uri(name + "/"), dav.basicAuth());
        Map<String, String> env = new HashMap<>(SidecarProcess.baseEnv(data, SidecarProcess.freePort()));
        env.put("SIDECAR_TIME_ZONE", "UTC");
        env.put("SIDECAR_TARGET", "webdav");
        env.put("SIDECAR_WEBDAV_URL", dav.baseUrl() + name + "/");
        env.put("SIDECAR_WEBDAV_USER", dav.user());
        env.put("SIDECAR_WEBDAV_PASSWORD", dav.password());
        env.putAll(extraEnv);
        return new Running(JarSidecar.start(env, jvmArgs, dir), token, dir);
    }

    private static Map<String, String> auth(Running sc) {
        return Map.of("Authorization", "Bearer " + sc.token());
    }

    private static List<Curl.Upload> uploads(Running sc, List<Path> batch, String prefix) {
        List<Curl.Upload> list = new ArrayList<>();
        for (Path f : batch) {
            String name = f.getFileName().toString();
            list.add(new Curl.Upload(sc.sidecar().uri("/v1/uploads/" + prefix + "-" + name), f,
                    Map.of("X-Filename", prefix + "-" + name, "Content-Type", "image/jpeg")));
        }
        return list;
    }

    /** Seconds to upload {@code batch} to the sidecar, {@code parallel} at a time, until every 2xx. */
    private double upload(Running sc, List<Path> batch, String prefix, int parallel) throws Exception {
        return Curl.put(uploads(sc, batch, prefix), auth(sc), parallel, sc.dir());
    }

    private double curlToDav(List<Path> batch, String folder, int parallel) throws Exception {
        Curl.mkcol(dav.uri(folder + "/"), dav.basicAuth());
        List<Curl.Upload> list = new ArrayList<>();
        for (Path f : batch) {
            list.add(new Curl.Upload(dav.uri(folder + "/" + f.getFileName()), f, Map.of()));
        }
        return Curl.put(list, Map.of("Authorization", dav.basicAuth()), parallel, work.resolve("curl"));
    }

    /** Waits until no job is pending or delivering; polls every 20 ms (well under 1 % of a run). */
    private void awaitAllDelivered(Running sc) throws Exception {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (getJson(sc, "/v1/jobs?state=pending&limit=1").get("jobs").isEmpty()
                    && getJson(sc, "/v1/jobs?state=delivering&limit=1").get("jobs").isEmpty()) {
                if (!getJson(sc, "/v1/jobs?state=failed&limit=1").get("jobs").isEmpty()) {
                    throw new IllegalStateException("a job failed: " + getJson(sc, "/v1/jobs?state=failed&limit=1"));
                }
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("deliveries did not finish within 10 minutes; log:\n" + sc.sidecar().log());
    }

    private int countJobs(Running sc, String state) throws Exception {
        int n = 0;
        String cursor = null;
        do {
            JsonNode page = getJson(sc, "/v1/jobs?state=" + state + "&limit=500" + (cursor == null ? "" : "&cursor=" + cursor));
            n += page.get("jobs").size();
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        return n;
    }

    private JsonNode getJson(Running sc, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(sc.sidecar().uri(path))
                .header("Authorization", "Bearer " + sc.token()).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    // ---- files and processes -------------------------------------------------------------------------

    /** {@code count} files of 1 MiB of random bytes (incompressible, like photos), named like a camera's. */
    private static List<Path> sourceFiles(Path dir, int count) throws IOException {
        Files.createDirectories(dir);
        List<Path> list = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            Path f = dir.resolve(String.format(Locale.ROOT, "IMG_%04d.JPG", i));
            writeRandom(f, MIB, i);
            list.add(f);
        }
        return List.copyOf(list);
    }

    private static void writeRandom(Path file, long size, long seed) throws IOException {
        Files.createDirectories(file.getParent());
        SplittableRandom random = new SplittableRandom(seed);
        byte[] buf = new byte[MIB];
        try (OutputStream os = Files.newOutputStream(file)) {
            for (long left = size; left > 0; left -= buf.length) {
                for (int i = 0; i < buf.length; i += 8) {
                    long v = random.nextLong();
                    for (int b = 0; b < 8; b++) {
                        buf[i + b] = (byte) (v >>> (8 * b));
                    }
                }
                os.write(buf, 0, (int) Math.min(buf.length, left));
            }
        }
    }

    static long countFiles(Path root) throws IOException {
        if (!Files.exists(root)) {
            return 0;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().startsWith(".")).count();
        }
    }

    /** Runs a command, fails on a non-zero exit, returns its stdout. */
    private String run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        Path log = Files.createTempFile(work, "cmd-", ".out");
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(env);
        int exit = pb.start().waitFor();
        String output = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        if (exit != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited with " + exit + ":\n" + output);
        }
        return output;
    }

    private String curlVersion() {
        try {
            return run(Map.of(), "curl", "--version").lines().findFirst().orElse("curl").split(" \\(")[0];
        } catch (Exception e) {
            return "curl ?";
        }
    }

    private String rcloneVersion() {
        try {
            return run(Map.of(), "rclone", "version").lines().findFirst().orElse("rclone");
        } catch (Exception e) {
            return "rclone ?";
        }
    }

    private static String last(Series s) {
        return s.isEmpty() ? "-" : Series.format(s.values().get(s.count() - 1));
    }
}
