package dev.photosidecar.bench;

import dev.photosidecar.support.WebDavServer;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Scenario 7, scale-out (issue 18): durable intake and end-to-end files/s with 1, 2 and 3 replicas on one
 * PostgreSQL, one spool folder and one WebDAV folder, beside one sidecar on SQLite, in the same run. Each
 * repetition runs every deployment in a rotating order (so a neighbour's build falls on all alike), each twice from a
 * fresh start: once with deliveries held (lighttpd refuses the password, so the figure is intake alone, as in
 * scenario 1) and once delivering to lighttpd (from the first byte until no job is pending or delivering, as in
 * scenario 2). For every window it also reads where the CPU went: the sidecars' processes, PostgreSQL's (the
 * postmaster and everything under it), the client's (curl, reaped by this JVM) and the whole machine's.
 */
final class ScaleOut {
    /** A deployment: {@code replicas} sidecars, on PostgreSQL or (one) on SQLite. */
    private record Deployment(String label, String slug, int replicas, boolean postgres) {
    }

    private static final List<Deployment> DEPLOYMENTS = List.of(
            new Deployment("1 sidecar on SQLite", "sqlite", 1, false),
            new Deployment("1 replica on PostgreSQL", "pg1", 1, true),
            new Deployment("2 replicas on PostgreSQL", "pg2", 2, true),
            new Deployment("3 replicas on PostgreSQL", "pg3", 3, true));
    private static final Map<String, String> HOLD_DELIVERIES = Map.of("SIDECAR_WEBDAV_PASSWORD", "wrong-password-holds-deliveries");

    /** What one measured window cost, in CPU seconds, and how long it took. */
    private record Window(double seconds, int files, double sidecars, double postgres, double client, double machine) {
    }

    /** The series of one deployment in one phase: files/s and CPU ms per file by who spent it. */
    private static final class Figures {
        final Series filesPerSecond = new Series("files/s");
        final Series server = new Series("CPU ms/file");
        final Series sidecars = new Series("CPU ms/file");
        final Series postgres = new Series("CPU ms/file");
        final Series client = new Series("CPU ms/file");
        final Series elsewhere = new Series("CPU ms/file");
        final Series busy = new Series("%");

        void add(Window w) {
            filesPerSecond.add(w.files() / w.seconds());
            sidecars.add(w.sidecars() * 1000 / w.files());
            postgres.add(w.postgres() * 1000 / w.files());
            server.add((w.sidecars() + w.postgres()) * 1000 / w.files());
            client.add(w.client() * 1000 / w.files());
            elsewhere.add(Math.max(0, w.machine() - w.sidecars() - w.postgres() - w.client()) * 1000 / w.files());
            busy.add(100 * w.machine() / (w.seconds() * Runtime.getRuntime().availableProcessors()));
        }
    }

    private final WebDavServer dav;
    private final List<Path> files;
    private final Path work;
    private final BenchReport report;
    private final int intakeFiles;
    private final int endToEndFiles;
    private final int warmupFiles;
    private final int reps;
    private final int clients;

    ScaleOut(WebDavServer dav, List<Path> files, Path work, BenchReport report, int intakeFiles, int endToEndFiles, int warmupFiles,
             int reps, int clients) {
        this.dav = dav;
        this.files = files;
        this.work = work;
        this.report = report;
        this.intakeFiles = intakeFiles;
        this.endToEndFiles = endToEndFiles;
        this.warmupFiles = warmupFiles;
        this.reps = reps;
        this.clients = clients;
    }

    void run() throws Exception {
        BenchPostgres pg = BenchPostgres.startDurable();
        Map<Deployment, Figures> intake = new LinkedHashMap<>();
        Map<Deployment, Figures> endToEnd = new LinkedHashMap<>();
        for (Deployment d : DEPLOYMENTS) {
            intake.put(d, new Figures());
            endToEnd.put(d, new Figures());
        }
        for (int rep = 0; rep < reps; rep++) {
            for (int k = 0; k < DEPLOYMENTS.size(); k++) {
                Deployment d = DEPLOYMENTS.get((rep + k) % DEPLOYMENTS.size());
                Window held = measure(d, pg, "s7-" + d.slug() + "-r" + rep + "-intake", true);
                intake.get(d).add(held);
                Window delivered = measure(d, pg, "s7-" + d.slug() + "-r" + rep + "-e2e", false);
                endToEnd.get(d).add(delivered);
                System.out.printf(Locale.ROOT, "scale-out rep %d, %s: intake %.0f files/s, end to end %.0f files/s%n", rep, d.label(),
                        held.files() / held.seconds(), delivered.files() / delivered.seconds());
            }
        }
        reportFigures(intake, endToEnd, pg.version());
    }

    /** One fresh deployment: a warm-up, then the measured batch, with deliveries held or until all are delivered. */
    private Window measure(Deployment d, BenchPostgres pg, String name, boolean holdDeliveries) throws Exception {
        List<Path> batch = files.subList(0, holdDeliveries ? intakeFiles : endToEndFiles);
        Curl.mkcol(dav.uri(name + "/"), dav.basicAuth());
        try (Replicas r = Replicas.start(name, d.replicas(), d.postgres() ? Optional.of(pg) : Optional.empty(), work.resolve(name), dav,
                holdDeliveries ? HOLD_DELIVERIES : Map.of())) {
            r.upload(files.subList(0, warmupFiles), "warm", clients);
            if (!holdDeliveries) {
                r.awaitAllDelivered();
            }
            long self = ProcessHandle.current().pid();
            double sidecars0 = r.cpuSeconds();
            double postgres0 = d.postgres() ? pg.cpuSeconds() : 0;
            double client0 = ProcessStats.reapedChildrenCpuSeconds(self);
            double machine0 = ProcessStats.machineBusySeconds();
            long t0 = System.nanoTime();
            r.upload(batch, "run", clients);
            if (!holdDeliveries) {
                r.awaitAllDelivered();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Window w = new Window(seconds, batch.size(), r.cpuSeconds() - sidecars0, d.postgres() ? pg.cpuSeconds() - postgres0 : 0,
                    ProcessStats.reapedChildrenCpuSeconds(self) - client0, ProcessStats.machineBusySeconds() - machine0);
            if (!holdDeliveries) {
                int succeeded = r.countJobs("succeeded");
                long onHost = PerformanceBench.countFiles(dav.root().resolve(name));
                if (succeeded != batch.size() + warmupFiles || onHost != batch.size() + warmupFiles) {
                    throw new IllegalStateException(d.label() + ": " + succeeded + " jobs succeeded and " + onHost
                            + " files on lighttpd, expected " + (batch.size() + warmupFiles) + " of each");
                }
            }
            return w;
        } finally {
            DurableWrites.deleteTree(dav.root().resolve(name));
        }
    }

    private void reportFigures(Map<Deployment, Figures> intake, Map<Deployment, Figures> endToEnd, String pgVersion) {
        Deployment sqlite = DEPLOYMENTS.get(0);
        String reference = "1 sidecar on SQLite (same run)";
        String how = String.format(Locale.ROOT, "%d clients (one curl, --parallel) sending upload i to replica i mod N, no balancer; "
                + "every deployment fresh, after %d uploads", clients, warmupFiles);
        for (Deployment d : DEPLOYMENTS.subList(1, DEPLOYMENTS.size())) {
            report.add(Row.throughput("7 scale-out", String.format(Locale.ROOT, "%d × 1 MiB, until 2xx, deliveries held, %s", intakeFiles,
                    d.label()), intake.get(d).filesPerSecond, reference, intake.get(sqlite).filesPerSecond, 0, d.replicas() == 1 ? how
                    + "; PostgreSQL " + pgVersion + " on loopback with fsync, synchronous_commit and full_page_writes on; the replicas"
                    + " share one database, one spool folder (SIDECAR_SPOOL_DIR) and one secret key" : ""));
        }
        for (Deployment d : DEPLOYMENTS.subList(1, DEPLOYMENTS.size())) {
            report.add(Row.throughput("7 scale-out", String.format(Locale.ROOT, "%d × 1 MiB, client to all delivered, %s", endToEndFiles,
                    d.label()), endToEnd.get(d).filesPerSecond, reference, endToEnd.get(sqlite).filesPerSecond, 0, d.replicas() == 1
                    ? "the clock stops when no job is pending or delivering; each replica runs its 4 default workers" : ""));
        }
        for (Deployment d : DEPLOYMENTS.subList(1, DEPLOYMENTS.size())) {
            report.add(Row.cost("7 scale-out", "CPU per upload, sidecars + PostgreSQL, deliveries held, " + d.label(),
                    intake.get(d).server, "the SQLite sidecar's CPU per upload", intake.get(sqlite).server, 0, d.replicas() == 1
                    ? "user + system from /proc of every replica's process and of PostgreSQL's postmaster and all its children" : ""));
        }
        for (String phase : List.of("intake (deliveries held)", "end to end")) {
            Map<Deployment, Figures> figures = phase.startsWith("intake") ? intake : endToEnd;
            for (Deployment d : DEPLOYMENTS) {
                Figures f = figures.get(d);
                report.fact(String.format(Locale.ROOT, "7 scale-out, where the time goes, %s, %s: %s files/s; CPU per file %s ms in the "
                                + "sidecar%s, %s ms in PostgreSQL, %s ms in the client (curl), %s ms elsewhere on the machine (lighttpd, "
                                + "the benchmark's JVM, neighbours); the machine %s %% busy (of %d cores); medians of %d",
                        phase, d.label(), Series.format(f.filesPerSecond.median()), Series.format(f.sidecars.median()),
                        d.replicas() > 1 ? "s" : "", Series.format(f.postgres.median()), Series.format(f.client.median()),
                        Series.format(f.elsewhere.median()), Series.format(f.busy.median()), Runtime.getRuntime().availableProcessors(),
                        f.filesPerSecond.count()));
            }
        }
    }
}
