package dev.photosidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sidecar exactly as users run it: {@code java [jvmArgs] -jar target/photo-sidecar.jar serve}, in its own
 * process, so start-up time, resident memory and heap are those of the real jar. Every child writes a GC log
 * ({@code -Xlog:gc}), from which the heap peak is read: the heap is at its fullest just before a collection.
 */
final class JarSidecar implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern HEAP_USED = Pattern.compile("heap\\s+total \\d+K, used (\\d+)K");
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)([KMG])->(\\d+)([KMG])\\((\\d+)([KMG])\\)");

    private final Process process;
    private final int port;
    private final Path log;
    private final Path gcLog;
    private final Duration startup;
    private final double startupCpuSeconds;
    private final ThreadCpu startupThreads;
    private long rssPeakBytes;

    private JarSidecar(Process process, int port, Path log, Path gcLog, Duration startup, double startupCpuSeconds,
                       ThreadCpu startupThreads) {
        this.startupThreads = startupThreads;
        this.process = process;
        this.port = port;
        this.log = log;
        this.gcLog = gcLog;
        this.startup = startup;
        this.startupCpuSeconds = startupCpuSeconds;
    }

    static Path jar() {
        Path jar = Path.of(System.getProperty("project.basedir", "."), "target", "photo-sidecar.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run the benchmark through 'mvn -Pbench verify' (bin/bench), "
                    + "which packages the jar first");
        }
        return jar;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Launches {@code serve} and returns once {@code /readyz} answers 200; {@link #startup()} is that wait. */
    static JarSidecar start(Map<String, String> env, List<String> jvmArgs, Path workDir) throws IOException {
        int port = Integer.parseInt(env.get("SIDECAR_PORT"));
        Files.createDirectories(workDir);
        Path log = workDir.resolve("sidecar.log");
        Path gcLog = workDir.resolve("gc.log");
        List<String> command = new ArrayList<>();
        command.add(java());
        command.add("-Xlog:gc:file=" + gcLog);
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar().toString());
        command.add("serve");
        ProcessBuilder pb = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("SIDECAR_"));
        pb.environment().putAll(env);

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/readyz"))
                .timeout(Duration.ofSeconds(5)).build();
        long launched = System.nanoTime();
        Process process = pb.start();
        long deadline = launched + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the sidecar exited with " + process.exitValue() + " before /readyz; log:\n"
                        + Files.readString(log));
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    break;
                }
            } catch (IOException notListening) {
                // not yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("no 200 from /readyz within 60 s; log:\n" + Files.readString(log));
            }
            sleep(5);
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - launched);
        ThreadCpu threads = ThreadCpu.snapshot(process.pid());
        return new JarSidecar(process, port, log, gcLog, wall, ProcessStats.cpuSeconds(process.pid()), threads);
    }

    Duration startup() {
        return startup;
    }

    /**
     * CPU time (user + system, all threads) the process had used when it became ready. On a shared machine
     * this moves much less than the wall time: it is what start-up costs, not how long it waited for a core.
     */
    /** Each thread's CPU from the launch until {@code /readyz} answered. */
    ThreadCpu startupThreads() {
        return startupThreads;
    }

    double startupCpuSeconds() {
        return startupCpuSeconds;
    }

    /** CPU time (user + system, all threads) the process has used so far. */
    double cpuSeconds() {
        return ProcessStats.cpuSeconds(process.pid());
    }

    long pid() {
        return process.pid();
    }

    /**
     * The heap in use now, in bytes, from {@code jcmd PID GC.heap_info} (the "used" of the whole heap). jcmd is a
     * JVM of its own: call it when the figure is wanted, at rest, not in the middle of a timed run.
     */
    long heapUsedBytes() throws IOException, InterruptedException {
        String out = jcmd("GC.heap_info");
        Matcher m = HEAP_USED.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("jcmd GC.heap_info said no heap size: " + out);
        }
        return Long.parseLong(m.group(1)) << 10;
    }

    /** Starts a flight recording in the running JVM (for a window that excludes start-up and warm-up). */
    void startRecording(Path file, Path settings) throws IOException, InterruptedException {
        jcmd("JFR.start", "name=bench", "settings=" + settings, "filename=" + file);
    }

    /** Stops the recording {@link #startRecording} began; the JVM writes it to its file. */
    void stopRecording() throws IOException, InterruptedException {
        jcmd("JFR.stop", "name=bench");
    }

    private String jcmd(String... command) throws IOException, InterruptedException {
        List<String> args = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid())));
        args.addAll(List.of(command));
        Process p = new ProcessBuilder(args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("jcmd " + String.join(" ", command) + " failed: " + out);
        }
        return out;
    }

    /** How far the GC log has come: pass it to {@link #peakHeapBytesSince} to look only at what follows. */
    int gcLogMark() {
        try {
            return Files.readAllLines(gcLog).size();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether this JVM mapped {@code archive}, i.e. really started from the class-data-sharing archive. */
    boolean mapped(Path archive) {
        return ProcessStats.maps(process.pid(), archive);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** The resident set's high-water mark so far (Linux VmHWM), read while the process lives. */
    long peakRssBytes() {
        rssPeakBytes = Math.max(rssPeakBytes, ProcessStats.peakRssBytes(process.pid()));
        return rssPeakBytes;
    }

    /** The most heap in use at any collection so far (the "before" figure of every GC line), in bytes. */
    long peakHeapBytes() {
        return peakHeapBytesSince(0);
    }

    /**
     * The most heap in use at any collection after line {@code mark} of the GC log ({@link #gcLogMark}), in bytes:
     * the heap under the load that ran since; 0 when no collection happened.
     */
    long peakHeapBytesSince(int mark) {
        long peak = 0;
        try {
            List<String> lines = Files.readAllLines(gcLog);
            for (String line : lines.subList(Math.min(mark, lines.size()), lines.size())) {
                Matcher m = GC_LINE.matcher(line);
                if (m.find()) {
                    peak = Math.max(peak, bytes(m.group(1), m.group(2)));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return peak;
    }

    private static long bytes(String number, String unit) {
        long n = Long.parseLong(number);
        return switch (unit) {
            case "K" -> n << 10;
            case "M" -> n << 20;
            default -> n << 30;
        };
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + log + ")";
        }
    }

    /** SIGTERM and wait: the graceful stop, which also lets a flight recording be written. */
    void stop() {
        peakRssBytes();
        process.destroy();
        try {
            if (!process.waitFor(90, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(30, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            stop();
        }
    }

    /** {@code device add --user USER --name bench --json} with the jar, against {@code dataDir}; returns the token. */
    static String addDevice(Path dataDir, String user) throws IOException, InterruptedException {
        return addDevice(Map.of("SIDECAR_DATA_DIR", dataDir.toString()), user);
    }

    /**
     * {@code device add} with the given settings (e.g. {@code SIDECAR_DATABASE_URL} for a ledger on PostgreSQL,
     * which every replica on that database then accepts); returns the token.
     */
    static String addDevice(Map<String, String> env, String user) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(java(), "-jar", jar().toString(), "device", "add", "--user", user,
                "--name", "bench", "--json");
        pb.environment().keySet().removeIf(k -> k.startsWith("SIDECAR_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(false);
        Process p = pb.start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("device add failed: " + err);
        }
        JsonNode json = JSON.readTree(out);
        return json.get("token").asText();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
