package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;

/** Registers the sidecar with a real Nextcloud as a user would: {@code photo-sidecar nextcloud register}. */
final class ExAppRegistration {
    private ExAppRegistration() {
    }

    /** What one {@code nextcloud register} run printed, and its exit status. */
    record Result(int exit, String out, String err) {
    }

    /** A sidecar.yaml for a sidecar delivering to {@code nc}, with its data in {@code data}, on {@code port}. */
    static Path config(NextcloudEnv nc, Path dir, Path data, int port) throws java.io.IOException {
        Path config = dir.resolve("sidecar.yaml");
        java.nio.file.Files.writeString(config, "data_dir: " + data + "\nport: " + port + "\ntarget: nextcloud\nwebdav_url: "
                + nc.url() + "\n");
        return config;
    }

    /** With --occ, as {@link #register} does, but whatever the outcome. */
    static Result attempt(NextcloudEnv nc, Path config) {
        return run(nc, config, true);
    }

    /** Without --occ: makes the ExApp identity in the data folder and prints the occ commands; returns the output. */
    static String prepare(NextcloudEnv nc, Path config) {
        return succeeded(run(nc, config, false));
    }

    /** With --occ: registers the (running) sidecar with Nextcloud, which then calls its /init and /enabled. */
    static String register(NextcloudEnv nc, Path config) {
        return succeeded(run(nc, config, true));
    }

    private static String succeeded(Result r) {
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        return r.out() + r.err();
    }

    private static Result run(NextcloudEnv nc, Path config, boolean withOcc) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = withOcc
                ? new String[] {"nextcloud", "register", "--config", config.toString(), "--nextcloud-url", nc.url(),
                        "--sidecar-host", "127.0.0.1", "--occ", nc.occ().orElseThrow()}
                : new String[] {"nextcloud", "register", "--config", config.toString(), "--nextcloud-url", nc.url(),
                        "--sidecar-host", "127.0.0.1"};
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(exit, out.toString(), err.toString());
    }
}
