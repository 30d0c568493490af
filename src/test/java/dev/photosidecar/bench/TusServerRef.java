package dev.photosidecar.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The reference for resumable intake: {@code @tus/server} with {@code @tus/file-store} (what a self-hoster would
 * run instead), started from {@code src/test/node/tus-server-ref/server.mjs} in its own node process on loopback,
 * storing into {@code dir}. Its file store never fsyncs, so what its 2xx promises is less than the sidecar's.
 */
final class TusServerRef implements AutoCloseable {
    private final Process process;
    private final int port;

    private TusServerRef(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the server and returns once it listens; {@code nodePackage} is the installed tus-server-ref. */
    static TusServerRef start(Path nodePackage, Path dir, int port) throws IOException {
        Files.createDirectories(dir);
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        Process p = new ProcessBuilder("node", "server.mjs", String.valueOf(port), dir.toString())
                .directory(nodePackage.toFile()).redirectError(log.toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line = out.readLine();
        if (line == null || !line.startsWith("listening")) {
            p.destroyForcibly();
            throw new IllegalStateException("@tus/server did not start: " + line + "; " + Files.readString(log));
        }
        return new TusServerRef(p, port);
    }

    /** The creation endpoint tus clients are pointed at. */
    String endpoint() {
        return "http://127.0.0.1:" + port + "/files";
    }

    long pid() {
        return process.pid();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
