package dev.photosidecar.cli;

import dev.photosidecar.config.Units;
import dev.photosidecar.push.ProgressDisplay;
import dev.photosidecar.push.PushAbort;
import dev.photosidecar.push.PushOptions;
import dev.photosidecar.push.PushReport;
import dev.photosidecar.push.PushRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code photo-sidecar push DIR --server URL --token T}: uploads a folder of photos and videos to a
 * sidecar the way a phone does (stable keys, the key check, digests, capture times), for importing an
 * old library or testing a server end to end. It talks HTTP only, so it runs anywhere, without the
 * server's configuration or data folder.
 */
@Command(name = "push", mixinStandardHelpOptions = true,
        description = {"Upload the photos and videos under DIR to a sidecar, as a phone would.",
                "Files the server already has are skipped, so running it again sends only what is new or changed.",
                "Exit status: 0 all done, 1 something failed or conflicted, 2 usage or connection error."})
public final class PushCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** The clock for Retry-After dates and --wait's timeout; tests may replace it. */
    Clock clock = Clock.systemUTC();

    @Parameters(paramLabel = "DIR", description = "the folder to push, searched recursively (hidden files and folders are skipped)")
    Path folder;

    @Option(names = "--server", required = true, paramLabel = "URL", description = "the sidecar's URL, e.g. http://localhost:8420")
    String server;

    @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:PHOTO_SIDECAR_TOKEN}",
            description = "a device token (psc_…) from 'photo-sidecar device add'; default: $PHOTO_SIDECAR_TOKEN, "
                    + "which keeps it out of the process list")
    String token;

    @Option(names = "--parallel", paramLabel = "N", defaultValue = "4", description = "uploads at once (1-64, default ${DEFAULT-VALUE})")
    int parallel;

    @Option(names = "--wait", description = "after uploading, wait until every job is delivered or has failed")
    boolean waitForDelivery;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", defaultValue = "30m",
            description = "how long --wait waits at most (default ${DEFAULT-VALUE}); jobs still pending then count as not done")
    String waitTimeout;

    @Option(names = "--acknowledge", description = "acknowledge delivered and failed jobs afterwards, as a phone does (implies --wait)")
    boolean acknowledge;

    @Option(names = "--time-zone", paramLabel = "ZONE",
            description = "where the camera's clock was, for EXIF times without an offset (default: this computer's zone)")
    String timeZone;

    @Option(names = "--retries", paramLabel = "N", defaultValue = "5",
            description = "how often one upload is tried again when the server is busy (503, 507, 429) or the connection breaks "
                    + "(default ${DEFAULT-VALUE})")
    int retries;

    @Option(names = "--max-retry-wait", paramLabel = "DURATION", defaultValue = "5m",
            description = "the longest pause before such a retry, whatever Retry-After says (default ${DEFAULT-VALUE})")
    String maxRetryWait;

    @Option(names = "--progress", paramLabel = "MODE", defaultValue = "auto",
            description = "auto (a bar on a terminal, else a line every 5 s), bar, lines or none")
    String progress;

    @Option(names = "--json", description = "print the summary as JSON")
    boolean json;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        PushOptions options = options();
        PushReport report;
        try {
            report = new PushRun(options, err, clock).run();
        } catch (PushAbort abort) {
            err.println("photo-sidecar push: " + abort.getMessage());
            err.flush();
            return 2;
        }
        if (json) {
            Output.json(out, report.toJson());
        } else {
            if (report.results().isEmpty()) {
                err.println("photo-sidecar push: no photos or videos under " + report.folder() + " (looked for: "
                        + "jpg jpeg heic heif png gif webp tif tiff dng avif mov mp4 m4v; hidden files and folders are skipped)");
                err.flush();
            }
            out.println("Pushed " + report.folder() + " to " + report.server());
            Output.table(out, report.header(), report.rows());
            out.println(report.timing());
            report.problems().forEach(out::println);
            out.flush();
        }
        return report.exitCode();
    }

    /** Checks the options; a bad one is a usage error (exit status 2) that names it. */
    private PushOptions options() {
        if (!Files.isDirectory(folder)) {
            throw usage(folder + " is not a folder");
        }
        if (token == null || token.isBlank()) {
            throw usage("a device token is needed: --token psc_… (or PHOTO_SIDECAR_TOKEN); "
                    + "make one with: photo-sidecar device add --user USER --name NAME");
        }
        if (parallel < 1 || parallel > 64) {
            throw usage("--parallel must be between 1 and 64");
        }
        if (retries < 0 || retries > 100) {
            throw usage("--retries must be between 0 and 100");
        }
        ZoneId zone;
        try {
            zone = timeZone == null ? ZoneId.systemDefault() : ZoneId.of(timeZone);
        } catch (DateTimeException e) {
            throw usage("--time-zone '" + timeZone + "' is not a zone (examples: Europe/Berlin, UTC, +02:00)");
        }
        ProgressDisplay.Mode mode;
        try {
            mode = ProgressDisplay.Mode.valueOf(progress.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw usage("--progress must be auto, bar, lines or none");
        }
        return new PushOptions(folder, serverUri(), token.trim(), parallel, waitForDelivery || acknowledge,
                duration("--wait-timeout", waitTimeout), acknowledge, zone, retries, duration("--max-retry-wait", maxRetryWait),
                mode);
    }

    private URI serverUri() {
        String s = server.trim().replaceAll("/+$", "");
        try {
            URI uri = new URI(s + "/");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
                throw usage("--server must be an http:// or https:// URL, e.g. http://localhost:8420");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw usage("--server '" + server + "' is not a URL: " + e.getReason());
        }
    }

    private Duration duration(String option, String text) {
        try {
            return Units.parseDuration(text);
        } catch (RuntimeException e) {
            throw usage(option + " '" + text + "' is not a duration (examples: 30s, 5m, 2h)");
        }
    }

    private CommandLine.ParameterException usage(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
