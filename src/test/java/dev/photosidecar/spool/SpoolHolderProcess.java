package dev.photosidecar.spool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@link SpoolHolder} child JVM: started, read until it says what it holds, then SIGKILLed when the test says so. */
public final class SpoolHolderProcess implements AutoCloseable {
    private final Process process;
    private final String said;

    private SpoolHolderProcess(Process process, String said) {
        this.process = process;
        this.said = said;
    }

    public static SpoolHolderProcess start(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), SpoolHolder.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("HELD ") || line.startsWith("REFUSED ")) {
                return new SpoolHolderProcess(p, line);
            }
            seen.append(line).append('\n');
        }
        throw new IllegalStateException("the holder ended without saying what it holds:\n" + seen);
    }

    /** Its line: {@code HELD …} or {@code REFUSED …}. */
    public String said() {
        return said;
    }

    /** SIGKILL, and wait until the OS has reaped it (its locks are gone then). */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the holder did not die");
        }
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
