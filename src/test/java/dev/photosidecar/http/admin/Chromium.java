package dev.photosidecar.http.admin;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Debian's headless Chromium, driven through Debian's ChromeDriver. Both paths are given explicitly, so
 * Selenium Manager never looks for (or downloads) a browser or a driver. When they are missing,
 * {@code browser/install-chromium.sh} installs them with apt; when it cannot, the test is skipped with its
 * message, or fails when {@code CI=true}.
 */
final class Chromium {
    static final Path BINARY = Path.of("/usr/bin/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final String SCRIPT = "/browser/install-chromium.sh";
    private static final int EXIT_CANNOT_INSTALL = 3;
    private static String installProblem;
    private static boolean installed;

    private Chromium() {
    }

    /** Installs Chromium once per JVM if needed; aborts (or, on CI, fails) the calling test when it cannot. */
    static synchronized void ensureInstalled() {
        if (!installed && installProblem == null) {
            Result r = runScript();
            if (r.exit() == 0 && Files.isExecutable(BINARY) && Files.isExecutable(DRIVER)) {
                installed = true;
            } else {
                installProblem = "Chromium and ChromeDriver are not available"
                        + (r.exit() == EXIT_CANNOT_INSTALL ? "" : " (install-chromium.sh exit " + r.exit() + ")")
                        + ":\n" + r.output().strip();
            }
        }
        if (installProblem != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(installProblem + "\n(CI=true: the browser test must not be skipped)");
            }
            Assumptions.abort(installProblem);
        }
    }

    /** A fresh headless browser with its own profile in {@code profile}, logging the driver to {@code log}. */
    static ChromeDriver start(Path profile, Path log) {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BINARY.toFile());
        options.addArguments(
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-default-apps", "--mute-audio",
                "--hide-scrollbars", "--force-color-profile=srgb", "--lang=en-US", "--window-size=1280,900",
                "--user-data-dir=" + profile.toAbsolutePath());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort()
                .withLogFile(log.toFile())
                .build();
        return new ChromeDriver(service, options);
    }

    /**
     * Sets the viewport exactly (CSS pixels, device pixel ratio, touch/mobile) and the colour scheme
     * ({@code light} or {@code dark}).
     */
    static void viewport(ChromeDriver driver, int width, int height, double scale, boolean mobile, String scheme) {
        driver.executeCdpCommand("Emulation.setDeviceMetricsOverride",
                Map.of("width", width, "height", height, "deviceScaleFactor", scale, "mobile", mobile));
        driver.executeCdpCommand("Emulation.setEmulatedMedia",
                Map.of("features", List.of(Map.of("name", "prefers-color-scheme", "value", scheme))));
    }

    /** A screenshot of what the viewport shows. */
    static void screenshot(ChromeDriver driver, Path file) {
        write(file, driver.getScreenshotAs(OutputType.BYTES));
    }

    /** A screenshot of the whole page, however long it is. */
    static void fullPage(ChromeDriver driver, Path file) {
        Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
        @SuppressWarnings("unchecked")
        Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
        double w = ((Number) size.get("width")).doubleValue();
        double h = ((Number) size.get("height")).doubleValue();
        Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", w, "height", h, "scale", 1)));
        write(file, Base64.getDecoder().decode((String) shot.get("data")));
    }

    private static void write(Path file, byte[] png) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.write(file, png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private record Result(int exit, String output) {
    }

    private static Result runScript() {
        Path script = null;
        Path out = null;
        try (InputStream in = Chromium.class.getResourceAsStream(SCRIPT)) {
            if (in == null) {
                return new Result(1, SCRIPT + " is not on the test class path");
            }
            script = Files.createTempFile("install-chromium-", ".sh");
            Files.write(script, in.readAllBytes());
            out = Files.createTempFile("install-chromium-", ".out");
            Process p = new ProcessBuilder("bash", script.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .start();
            if (!p.waitFor(15, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                return new Result(124, "install-chromium.sh timed out after 15 minutes");
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(EXIT_CANNOT_INSTALL, "cannot run bash " + SCRIPT + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while installing Chromium", e);
        } finally {
            for (Path p : new Path[] {script, out}) {
                if (p != null) {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // a temp file
                    }
                }
            }
        }
    }
}
