package dev.photosidecar.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A pinned npm package of the benchmark ({@code src/test/node/NAME}: package.json, package-lock.json, scripts),
 * copied to {@code target/NAME} and installed there with {@code npm ci} when its lockfile changed or its
 * modules are missing, the way TusJsClientPeerTest installs its peer. Node 20.19+ and npm must be on the PATH.
 */
final class NodePackage {
    private NodePackage() {
    }

    /** Installs {@code src/test/node/NAME} into {@code target/NAME}; {@code marker} is a module that proves it. */
    static Path install(String name, String marker) throws IOException, InterruptedException {
        Path root = Path.of(System.getProperty("project.basedir", "."));
        Path source = root.resolve("src/test/node").resolve(name);
        Path target = Files.createDirectories(root.resolve("target").resolve(name));
        boolean changed = false;
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Path to = target.resolve(f.getFileName());
                changed |= f.getFileName().toString().startsWith("package")
                        && (!Files.exists(to) || Files.mismatch(f, to) >= 0);
                Files.copy(f, to, StandardCopyOption.REPLACE_EXISTING);
            }
        }
        if (changed || !Files.isDirectory(target.resolve("node_modules").resolve(marker))) {
            Process p = new ProcessBuilder(List.of("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"))
                    .directory(target.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
                throw new IllegalStateException("npm ci in " + target + " failed (Node 20.19+ and npm are needed): " + out);
            }
        }
        return target;
    }

    /** {@code node --version}, for the report's header. */
    static String nodeVersion() {
        try {
            Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
            String v = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor();
            return "node " + v;
        } catch (IOException e) {
            return "node ?";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "node ?";
        }
    }
}
