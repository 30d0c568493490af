package dev.photosidecar.support;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The real sidecar as a separate JVM, for tests that need what only a process boundary gives: SIGKILL at
 * an arbitrary moment, a small {@code -Xmx}, a real restart on the same data folder.
 *
 * <p>The child runs {@code <java.home>/bin/java [jvmArgs] -cp <test class path> dev.photosidecar.Main serve}
 * with the given {@code SIDECAR_*} environment (any inherited {@code SIDECAR_*} variable is dropped, so the
 * test's own environment cannot leak in). Its stdout and stderr are appended to one log file, which
 * survives restarts, so a test can show the whole story when it fails.
 */
public final class SidecarProcess implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final int port;
    private final Path logFile;

    private SidecarProcess(Process process, int port, Path logFile) {
        this.process = process;
        this.port = port;
        this.logFile = logFile;
    }

    /** A device's credentials as {@code device add --json} prints them. */
    public record Device(String deviceId, String token) {
    }

    /**
     * The environment a test sidecar needs: loopback only, a fixed port, its own data folder, and no
     * spool reserve (test disks are small and the reserve is not what these tests are about).
     */
    public static Map<String, String> baseEnv(Path dataDir, int port) {
        Map<String, String> env = new HashMap<>();
        env.put("SIDECAR_BIND", "127.0.0.1");
        env.put("SIDECAR_PORT", String.valueOf(port));
        env.put("SIDECAR_DATA_DIR", dataDir.toString());
        env.put("SIDECAR_SPOOL_RESERVE_BYTES", "0");
        return env;
    }

    /** A port that was free a moment ago; the sidecar keeps it across restarts, like a real deployment. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts {@code serve} and waits until {@code GET /readyz} answers 200. {@code env} must set
     * {@code SIDECAR_PORT} to a real port (see {@link #baseEnv}).
     */
    public static SidecarProcess start(Map<String, String> env, List<String> jvmArgs, Path logFile) {
        return start(env, jvmArgs, logFile, List.of("serve"));
    }

    /** {@link #start(Map, List, Path)} with another command line, e.g. {@code serve --accept-empty-ledger}. */
    public static SidecarProcess start(Map<String, String> env, List<String> jvmArgs, Path logFile, List<String> command) {
        int port = Integer.parseInt(env.get("SIDECAR_PORT"));
        if (port == 0) {
            throw new IllegalArgumentException("pass a real SIDECAR_PORT (see freePort()), not 0");
        }
        ProcessBuilder pb = javaCommand(jvmArgs, command, env)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the sidecar JVM", e);
        }
        SidecarProcess sidecar = new SidecarProcess(process, port, logFile);
        try {
            sidecar.awaitReady();
        } catch (RuntimeException | Error e) {
            sidecar.kill();
            throw e;
        }
        return sidecar;
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest ready = HttpRequest.newBuilder(uri("/readyz")).timeout(Duration.ofSeconds(5)).GET().build();
        await("sidecar on port " + port + " ready").atMost(READY_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new AssertionError("the sidecar exited with code " + process.exitValue()
                                + " before it was ready; its log:\n" + log());
                    }
                    try {
                        return http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (IOException notYet) {
                        return false; // not listening yet
                    }
                });
    }

    public int port() {
        return port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** SIGKILL (what {@link Process#destroyForcibly()} sends on Linux): no shutdown hook, no cleanup. */
    public void kill() {
        killNow();
        awaitExit();
    }

    /**
     * Sends SIGKILL and returns at once, without waiting for the process to be gone: for a test that kills
     * from the very thread that saw the moment it wanted (then {@link #kill()} waits for the exit).
     */
    public void killNow() {
        process.destroyForcibly();
    }

    /** SIGTERM: the graceful stop. Returns the exit code (143 is the normal answer to SIGTERM). */
    public int stop() {
        process.destroy();
        return awaitExit();
    }

    private int awaitExit() {
        try {
            if (!process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
                throw new AssertionError("the sidecar (pid " + process.pid() + ") did not exit within " + EXIT_TIMEOUT);
            }
            return process.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the sidecar to exit", e);
        }
    }

    /** Everything the sidecar (all its runs) wrote to stdout and stderr so far. */
    public String log() {
        try {
            return Files.readString(logFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read " + logFile + ": " + e + ")";
        }
    }

    /** Kills the process if it still runs; a test that failed halfway must not leave a JVM behind. */
    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }

    /**
     * Runs {@code device add --user USER --name NAME --json} in a child JVM against {@code dataDir} and
     * returns what it printed.
     */
    public static Device addDevice(Path dataDir, String user, String name) {
        return device(runCli(dataDir, "device", "add", "--user", user, "--name", name, "--json"));
    }

    /**
     * {@code device add} with exactly these {@code SIDECAR_*} settings: on the ledger they name (a PostgreSQL
     * ledger that several sidecars share, say), so that the token works on every one of them.
     */
    public static Device addDevice(Map<String, String> env, String user, String name) {
        Exit exit = run(env, "device", "add", "--user", user, "--name", name, "--json");
        if (exit.code() != 0) {
            throw new AssertionError("photo-sidecar device add exited with " + exit.code() + "; stderr:\n" + exit.err());
        }
        return device(exit.out());
    }

    private static Device device(String out) {
        try {
            JsonNode json = new ObjectMapper().readTree(out);
            return new Device(json.get("deviceId").asText(), json.get("token").asText());
        } catch (IOException | NullPointerException e) {
            throw new AssertionError("device add --json printed something unexpected: " + out, e);
        }
    }

    /** Runs one CLI command in a child JVM and returns its stdout; a non-zero exit fails with its stderr. */
    public static String runCli(Path dataDir, String... args) {
        ProcessBuilder pb = javaCommand(List.of(), List.of(args), Map.of("SIDECAR_DATA_DIR", dataDir.toString()));
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            String out = readAll(p.getInputStream());
            if (!p.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("photo-sidecar " + String.join(" ", args) + " did not finish in " + EXIT_TIMEOUT);
            }
            if (p.exitValue() != 0) {
                throw new AssertionError("photo-sidecar " + String.join(" ", args) + " exited with " + p.exitValue()
                        + "; stderr:\n" + err.join());
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the CLI", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** How a CLI command ended: its exit code and what it printed. */
    public record Exit(int code, String out, String err) {
    }

    /** Runs one CLI command in a child JVM with exactly these {@code SIDECAR_*} settings, whatever its exit code. */
    public static Exit run(Map<String, String> env, String... args) {
        return runWithInput(env, "", args);
    }

    /** {@link #run}, with {@code stdin} as the command's standard input (e.g. a password for user set-password). */
    public static Exit runWithInput(Map<String, String> env, String stdin, String... args) {
        ProcessBuilder pb = javaCommand(List.of(), List.of(args), env);
        try {
            Process p = pb.start();
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
            String out = readAll(p.getInputStream());
            if (!p.waitFor(EXIT_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("photo-sidecar " + String.join(" ", args) + " did not finish in " + EXIT_TIMEOUT);
            }
            return new Exit(p.exitValue(), out, err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the CLI", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ProcessBuilder javaCommand(List<String> jvmArgs, List<String> args, Map<String, String> env) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.photosidecar.Main");
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("SIDECAR_"));
        pb.environment().putAll(env);
        return pb;
    }

    private static String readAll(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(cannot read: " + e + ")";
        }
    }
}
