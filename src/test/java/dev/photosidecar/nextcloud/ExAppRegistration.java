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

    /** Without --occ: makes the ExApp identity in the data folder and prints the occ commands; returns the output. */
    static String prepare(NextcloudEnv nc, Path config) {
        return run(nc, config, false);
    }

    /** With --occ: registers the (running) sidecar with Nextcloud, which then calls its /init and /enabled. */
    static String register(NextcloudEnv nc, Path config) {
        return run(nc, config, true);
    }

    private static String run(NextcloudEnv nc, Path config, boolean withOcc) {
        StringWriter out = new StringWriter();
        String[] args = withOcc
                ? new String[] {"nextcloud", "register", "--config", config.toString(), "--nextcloud-url", nc.url(),
                        "--sidecar-host", "127.0.0.1", "--occ", nc.occ().orElseThrow()}
                : new String[] {"nextcloud", "register", "--config", config.toString(), "--nextcloud-url", nc.url(),
                        "--sidecar-host", "127.0.0.1"};
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(out, true), args);
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }
}
