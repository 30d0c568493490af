package dev.photosidecar.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a profiled window's cost went, in the terms issue 17 asks about (fsyncs, token checks, ledger reads and
 * writes, JSON and logging per request, delivery round trips, copy paths, class loading): every CPU sample of a
 * flight recording is put in the first category, in the order below, that any frame of its stack matches, and each
 * share is turned into milliseconds of CPU per upload with the process's CPU time over the window. The
 * recording's {@code jdk.FileForce} events (all of them: {@link #settings} lowers the threshold to 0) give the
 * fsyncs' wall time. A sampling profile ranks costs; it does not measure a few microseconds exactly.
 */
final class CostBreakdown {
    private static final Map<String, Pattern> CATEGORIES = new LinkedHashMap<>();

    static {
        // First match wins: a token check that reads the ledger is the token check's cost, an fsync in the spool
        // is an fsync, not the spool's copy, and whatever the delivery threads do is delivery.
        CATEGORIES.put("class loading and linking", Pattern.compile("ClassLoader\\.(loadClass|defineClass)|jdk\\.internal\\.loader\\.|Class\\.forName"));
        CATEGORIES.put("fsync (spool file and folder)", Pattern.compile("FileDispatcherImpl\\.force|FileChannelImpl\\.force|Durable\\.fsync"));
        CATEGORIES.put("delivery (dispatch and claims, WebDAV requests, verification)", Pattern.compile(
                "dev\\.photosidecar\\.delivery\\.(Dispatcher|DeliveryWorkers|DeliveryAttempt|LeaseKeeper|OutcomeRecorder|UserPauses|target)"
                        + "|com\\.github\\.sardine|org\\.apache\\.http"));
        CATEGORIES.put("token check", Pattern.compile("dev\\.photosidecar\\.\\S*(BearerAuth|CredentialStore|DeviceRegistry|AppApiAuth|AdminAuth)"));
        CATEGORIES.put("ledger reads", Pattern.compile(
                "dev\\.photosidecar\\.ledger\\.\\S*\\.(lambda\\$)?(find|get|list|count|load|select|lookup|exists|page|stats)\\w*"));
        CATEGORIES.put("ledger writes (insert, transitions, commits)", Pattern.compile("dev\\.photosidecar\\.ledger|org\\.sqlite|org\\.jdbi|com\\.zaxxer\\.hikari|org\\.postgresql"));
        CATEGORIES.put("SHA-256 of the body", Pattern.compile("sun\\.security\\.provider\\.|MessageDigest|Sha256|DigestBase"));
        CATEGORIES.put("JSON", Pattern.compile("com\\.fasterxml\\.jackson|JsonBodies|JobView"));
        CATEGORIES.put("logging", Pattern.compile("ch\\.qos\\.logback|org\\.slf4j|JobLog"));
        CATEGORIES.put("metrics", Pattern.compile("io\\.micrometer|SidecarMetrics"));
        CATEGORIES.put("body copy (socket read, spool write)", Pattern.compile("SocketDispatcher\\.read|FileDispatcherImpl\\.(write|read|pwrite)|IOUtil\\.(read|write)|HttpInput|ServletInputStream|dev\\.photosidecar\\.spool"));
        CATEGORIES.put("Jetty and Javalin (parsing, dispatch, response)", Pattern.compile("org\\.eclipse\\.jetty|io\\.javalin"));
    }

    private static final Pattern DURATION = Pattern.compile("duration = ([0-9.]+) (ns|us|ms|s)\\b");

    private CostBreakdown() {
    }

    /**
     * The JDK's {@code profile} settings with every {@code jdk.FileForce} recorded (threshold 0 instead of 10 ms)
     * and Java samples every 2 ms instead of 10: written to {@code dir}, for {@code JFR.start settings=}.
     */
    static Path settings(Path dir) throws IOException {
        Path profile = Path.of(System.getProperty("java.home"), "lib", "jfr", "profile.jfc");
        String jfc = Files.readString(profile, StandardCharsets.UTF_8);
        jfc = jfc.replaceFirst("(<event name=\"jdk\\.FileForce\">[\\s\\S]*?<setting name=\"threshold\"[^>]*>)10 ms", "$10 ms")
                .replaceFirst("(<event name=\"jdk\\.ExecutionSample\">[\\s\\S]*?<setting name=\"period\"[^>]*>)10 ms", "$12 ms");
        Path out = dir.resolve("bench-profile.jfc");
        Files.writeString(out, jfc, StandardCharsets.UTF_8);
        return out;
    }

    /** The markdown table for one recording: per category its share of CPU samples and its CPU ms per upload. */
    static String table(Path recording, double cpuSeconds, int uploads, String threadCpu) throws IOException, InterruptedException {
        List<List<String>> stacks = JfrSummary.stacks(recording, "jdk.ExecutionSample");
        Map<String, Integer> counts = new LinkedHashMap<>();
        CATEGORIES.keySet().forEach(c -> counts.put(c, 0));
        counts.put("other Java code", 0);
        for (List<String> stack : stacks) {
            counts.merge(category(stack), 1, Integer::sum);
        }
        double msPerUpload = cpuSeconds * 1000 / uploads;
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%d uploads, %.2f CPU s for the whole process over the window = %.2f ms per upload; %d Java samples "
                        + "(JIT compiler and GC threads are not sampled: their share is the CPU the samples do not cover)%n%n",
                uploads, cpuSeconds, msPerUpload, stacks.size()));
        sb.append("| category | share of Java samples | ≈ CPU ms per upload |\n| --- | --- | --- |\n");
        counts.forEach((category, n) -> sb.append(String.format(Locale.ROOT, "| %s | %.1f %% | %.2f |%n", category,
                100.0 * n / Math.max(1, stacks.size()), msPerUpload * n / Math.max(1, stacks.size()))));
        sb.append('\n').append(threadCpu).append('\n').append(fsyncs(recording, uploads)).append('\n');
        return sb.toString();
    }

    static String category(List<String> stack) {
        for (Map.Entry<String, Pattern> c : CATEGORIES.entrySet()) {
            for (String frame : stack) {
                // the method only: a lambda's parameter list names types (BearerAuth, Handle) it does not run
                int args = frame.indexOf('(');
                if (c.getValue().matcher(args < 0 ? frame : frame.substring(0, args)).find()) {
                    return c.getKey();
                }
            }
        }
        return "other Java code";
    }

    /** The fsyncs Java made in the window ({@code jdk.FileForce}): count and wall time per upload, by caller. */
    private static String fsyncs(Path recording, int uploads) throws IOException, InterruptedException {
        Map<String, double[]> byCaller = new LinkedHashMap<>();
        List<String> lines = JfrSummary.print(recording, "jdk.FileForce", 16);
        double ms = 0;
        String caller = null;
        for (String line : lines) {
            String t = line.trim();
            Matcher d = DURATION.matcher(t);
            if (d.find()) {
                double v = Double.parseDouble(d.group(1));
                ms = switch (d.group(2)) {
                    case "ns" -> v / 1e6;
                    case "us" -> v / 1e3;
                    case "ms" -> v;
                    default -> v * 1e3;
                };
                caller = null;
            } else if (caller == null && t.startsWith("dev.photosidecar.") && !t.contains("Durable.")) {
                caller = t.replaceAll("\\(.*", "").replaceAll(" line:.*", "");
                double[] acc = byCaller.computeIfAbsent(caller, k -> new double[2]);
                acc[0]++;
                acc[1] += ms;
            }
        }
        if (byCaller.isEmpty()) {
            return "No jdk.FileForce events (no fsync from Java in the window).\n";
        }
        StringBuilder sb = new StringBuilder("fsyncs from Java (jdk.FileForce, every one; SQLite's own fsyncs happen in C and are not here):\n\n"
                + "| called from | fsyncs per upload | wall ms per upload (summed over threads) | ms each (mean) |\n| --- | --- | --- | --- |\n");
        byCaller.forEach((c, acc) -> sb.append(String.format(Locale.ROOT, "| `%s` | %.2f | %.2f | %.2f |%n",
                c, acc[0] / uploads, acc[1] / uploads, acc[1] / acc[0])));
        return sb.toString();
    }
}
