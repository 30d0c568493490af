package dev.photosidecar.support;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One of the bash scripts under src/test/resources that install and start the real servers the tests use
 * (webdav-servers.sh, postgres-server.sh), copied once out of the class path and run with a time limit. Its
 * output (stdout and stderr) goes to a file, so that no full pipe can hang a test.
 */
final class SetupScript {
    /** The exit code the scripts use for "cannot be installed here", and what a script that cannot start reports. */
    static final int EXIT_CANNOT_INSTALL = 3;

    /** What a run printed and how it ended (124 for a run that timed out, as timeout(1) says). */
    record Result(int exitCode, String output) {
    }

    private final String resource;
    private final String what;
    private Path copy;

    /** {@code resource} on the test class path; {@code what} names it in the messages ("the WebDAV script"). */
    SetupScript(String resource, String what) {
        this.resource = resource;
        this.what = what;
    }

    /** The script as a file bash can run, copied on first use. */
    synchronized Path file() throws IOException {
        if (copy == null) {
            try (InputStream in = SetupScript.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IOException(resource + " is not on the test class path");
                }
                String name = Path.of(resource).getFileName().toString().replace(".sh", "-");
                Path tmp = Files.createTempFile(name, ".sh");
                tmp.toFile().deleteOnExit();
                Files.write(tmp, in.readAllBytes());
                copy = tmp;
            }
        }
        return copy;
    }

    /** Runs the script with {@code args}, killing it and its children after {@code timeoutSeconds}. */
    Result run(long timeoutSeconds, String... args) {
        Path out = null;
        try {
            out = Files.createTempFile("setup-script-", ".out");
            List<String> command = new ArrayList<>(List.of("bash", file().toString()));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Result(124, "timed out after " + timeoutSeconds + " s: " + String.join(" ", args)
                        + "\n" + Files.readString(out, StandardCharsets.ISO_8859_1));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
            return new Result(EXIT_CANNOT_INSTALL, "cannot run bash " + resource + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + what, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temp file
                }
            }
        }
    }
}
