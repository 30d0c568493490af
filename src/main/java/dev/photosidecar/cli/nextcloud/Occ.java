package dev.photosidecar.cli.nextcloud;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs Nextcloud's occ through the command the operator gave ({@code --occ "sudo -u www-data php occ"}), with a time
 * limit: AppAPI's commands can wait without end (its init wait has no deadline), and a command that outlives its
 * limit is killed with its children rather than left behind. What occ prints is returned with the secret masked.
 */
public final class Occ {
    /** What one occ command did: its exit code (-1 when killed at the limit) and what it printed. */
    record Result(int exit, String output, boolean timedOut) {
        boolean ok() {
            return exit == 0;
        }

        /** The output for a message; says so when there was none, instead of an empty reason. */
        String said() {
            if (timedOut) {
                return "(no end within the time limit; stopped)" + (output.isBlank() ? "" : " " + output);
            }
            return output.isBlank() ? "(occ printed nothing; exit code " + exit + ")" : output;
        }
    }

    private final String command;
    private final String secret;

    Occ(String command, String secret) {
        this.command = command;
        this.secret = secret;
    }

    /** The shell line for {@code args}, as a script would hold it. */
    String line(List<String> args) {
        return command + " " + shell(args);
    }

    Result run(List<String> args, Duration limit) throws IOException, InterruptedException {
        Path log = Files.createTempFile("photo-sidecar-occ", ".txt");
        try {
            Process p = new ProcessBuilder("sh", "-c", line(args)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(log.toFile()).start();
            boolean done = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
            String output = Files.readString(log, StandardCharsets.UTF_8).strip().replace(secret, "(secret)");
            return new Result(done ? p.exitValue() : -1, output, !done);
        } finally {
            Files.deleteIfExists(log);
        }
    }

    /** One command line for sh, every argument single-quoted. */
    public static String shell(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }
}
