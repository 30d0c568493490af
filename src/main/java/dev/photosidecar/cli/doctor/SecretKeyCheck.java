package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.SecretFiles;
import dev.photosidecar.config.SidecarConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code secret key}: the file that opens every stored password is private to the sidecar's user, the same
 * rule {@code serve} enforces at start-up ({@link SecretFiles}). The ExApp secret has its own line (exapp).
 */
final class SecretKeyCheck {
    private SecretKeyCheck() {
    }

    static CheckResult run(SidecarConfig config) {
        if (config.secretKey().isPresent()) {
            return CheckResult.skip("secret key", "SIDECAR_SECRET_KEY is set; no key file is used");
        }
        Path file = config.dataDir().resolve("secret.key");
        if (!Files.exists(file)) {
            return CheckResult.skip("secret key", file + " does not exist yet; the sidecar creates it with mode 0600");
        }
        Optional<String> problem = SecretFiles.problem(file);
        if (problem.isPresent()) {
            String text = problem.get();
            int fix = text.lastIndexOf("; run ");
            return fix < 0 ? CheckResult.fail("secret key", text, "make it a plain file owned by the sidecar's user, mode 0600")
                    : CheckResult.fail("secret key", text.substring(0, fix) + " (the sidecar refuses to start)",
                            text.substring(fix + 6));
        }
        try {
            return CheckResult.pass("secret key", SecretFiles.describe(file));
        } catch (IOException e) {
            return CheckResult.fail("secret key", "cannot read the mode of " + file + ": " + e.getMessage(),
                    "check the data folder's permissions");
        }
    }
}
