package dev.photosidecar.bench;

import dev.photosidecar.support.PostgresServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The scale-out scenario's PostgreSQL: the tests' throw-away cluster ({@link PostgresServer}), made durable for the
 * run. The test cluster is started with {@code fsync}, {@code synchronous_commit} and {@code full_page_writes} off
 * (nothing in it must survive a power cut); a figure for production must pay for the commits a production server
 * flushes, so they are switched back on with {@code ALTER SYSTEM} and a reload before anything is measured. Also
 * reads the CPU time the whole cluster has used: the postmaster and every process under it (backends, the WAL
 * writer, the checkpointer), including backends that have already ended.
 */
final class BenchPostgres {
    private static final List<String> DURABLE = List.of("fsync", "synchronous_commit", "full_page_writes");

    private final PostgresServer server;
    private final long postmaster;

    private BenchPostgres(PostgresServer server, long postmaster) {
        this.server = server;
        this.postmaster = postmaster;
    }

    /** Starts (or joins) the cluster, switches its durability back on and checks that the server says so. */
    static BenchPostgres startDurable() throws SQLException, InterruptedException {
        PostgresServer server = PostgresServer.shared();
        long backend;
        Optional<Long> parent;
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            for (String setting : DURABLE) {
                s.execute("ALTER SYSTEM SET " + setting + " = on");
            }
            s.execute("SELECT pg_reload_conf()");
            try (ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
                rs.next();
                backend = rs.getLong(1);
            }
            parent = parentOf(backend); // while the backend still lives: it ends with this connection
        }
        // The reload is a signal: a new connection sees the new values once the postmaster has read the file.
        for (int tries = 0; !durable(server); tries++) {
            if (tries == 100) {
                throw new IllegalStateException("PostgreSQL still runs with " + DURABLE + " not all on after a reload");
            }
            Thread.sleep(50);
        }
        long postmaster = parent.orElseThrow(() -> new IllegalStateException("cannot find the postmaster of "
                + server + " (the parent of backend " + backend + ")"));
        return new BenchPostgres(server, postmaster);
    }

    private static boolean durable(PostgresServer server) throws SQLException {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement()) {
            for (String setting : DURABLE) {
                try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
                    rs.next();
                    if (!rs.getString(1).equals("on")) {
                        return false;
                    }
                }
            }
            return true;
        }
    }

    private static Optional<Long> parentOf(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith("PPid:")) {
                    return Optional.of(Long.parseLong(line.substring(5).trim()));
                }
            }
        } catch (java.io.IOException | RuntimeException gone) {
            // the backend ended already
        }
        return Optional.empty();
    }

    /** The version the server reports, e.g. "15.14". */
    String version() throws SQLException {
        try (Connection c = server.connect("postgres"); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1).split(" ")[0];
        }
    }

    /** A new empty database {@code name}; {@link #drop} it after. */
    String create(String name) {
        server.createDatabase(name);
        return server.uri(name);
    }

    void drop(String name) {
        server.dropDatabase(name);
    }

    /**
     * CPU seconds (user + system) the cluster has used so far: the postmaster's own and that of its ended children
     * it reaped, plus every live process under it with its own reaped children.
     */
    double cpuSeconds() {
        double total = ProcessStats.cpuSeconds(postmaster) + ProcessStats.reapedChildrenCpuSeconds(postmaster);
        List<ProcessHandle> children = new ArrayList<>();
        ProcessHandle.of(postmaster).ifPresent(p -> p.children().forEach(children::add));
        for (ProcessHandle child : children) {
            double cpu = ProcessStats.cpuSeconds(child.pid()) + ProcessStats.reapedChildrenCpuSeconds(child.pid());
            if (!Double.isNaN(cpu)) {
                total += cpu;
            }
        }
        return total;
    }
}
