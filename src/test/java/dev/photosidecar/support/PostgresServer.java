package dev.photosidecar.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * The test run's one real PostgreSQL cluster (Debian's {@code postgresql} package), started on first use and
 * stopped when the JVM exits. Tests get their own database on it through {@link PostgresTestDatabase}.
 *
 * <p>Everything is done by {@code src/test/resources/postgres/postgres-server.sh}: {@code install} (apt-get as
 * root, only when missing), {@code start DIR PORT USER PASSWORD} and {@code stop DIR}. The cluster lives in a
 * temporary folder, listens on {@code 127.0.0.1} only, on a port that was free, and wants {@link #password()}
 * for {@link #user()}, its superuser.
 *
 * <p>When PostgreSQL cannot be installed or started, every test that asks for it is aborted (skipped) with
 * the reason, except when the environment variable {@code CI} is {@code true}: then it fails, so that a CI
 * run never silently skips the PostgreSQL tests.
 */
public final class PostgresServer {
    private static final String SCRIPT_RESOURCE = "/postgres/postgres-server.sh";
    private static final String DIR_PREFIX = "sidecar-pg-";
    private static final String OWNER_FILE = "owner.pid";
    private static final String USER = "sidecar_test";
    private static final int EXIT_CANNOT_INSTALL = SetupScript.EXIT_CANNOT_INSTALL;
    private static final SetupScript SCRIPT = new SetupScript(SCRIPT_RESOURCE, "the PostgreSQL script");
    private static final long INSTALL_TIMEOUT_SECONDS = 900;
    private static final long START_TIMEOUT_SECONDS = 120;
    private static final long STOP_TIMEOUT_SECONDS = 60;
    private static final SecureRandom RANDOM = new SecureRandom();

    private static PostgresServer shared;
    private static String unavailable;

    private final Path dir;
    private final int port;
    private final String password;
    private final long startMillis;

    private PostgresServer(Path dir, int port, String password, long startMillis) {
        this.dir = dir;
        this.port = port;
        this.password = password;
        this.startMillis = startMillis;
    }

    /**
     * The cluster, started on the first call of the JVM. Aborts the calling test when PostgreSQL is not
     * available (fails it when {@code CI=true}), and does so again on later calls without trying again.
     */
    public static PostgresServer shared() {
        synchronized (PostgresServer.class) {
            if (shared == null && unavailable == null) {
                try {
                    shared = startCluster();
                } catch (Unavailable e) {
                    unavailable = e.getMessage();
                }
            }
            if (shared != null) {
                return shared;
            }
        }
        String message = "PostgreSQL for the tests is not available:\n" + unavailable;
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + "\n(CI=true: PostgreSQL tests must not be skipped)");
        }
        Assumptions.abort(message);
        throw new AssertionError("unreachable");
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/DATABASE}, without credentials. */
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** {@code postgresql://USER:PASSWORD@127.0.0.1:PORT/DATABASE}, the form an operator writes. */
    public String uri(String database) {
        return "postgresql://" + USER + ":" + password + "@127.0.0.1:" + port + "/" + database;
    }

    /** The cluster's superuser; over TCP it needs {@link #password()}. */
    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    public int port() {
        return port;
    }

    /** How long {@code initdb} and the start took, for the suites that report their own timings. */
    public long startMillis() {
        return startMillis;
    }

    /** A new connection to {@code database} as the superuser; the caller closes it. */
    public Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(database), USER, password);
    }

    /** Creates an empty database {@code name} (lower-case letters, digits and _ only). */
    public void createDatabase(String name) {
        admin("CREATE DATABASE " + checkedName(name));
    }

    /** Drops {@code name}, closing whatever connections to it are still open (a pool a test left behind). */
    public void dropDatabase(String name) {
        admin("DROP DATABASE IF EXISTS " + checkedName(name) + " WITH (FORCE)");
    }

    /** The server's logs, for a failing test's message. */
    public String logs() {
        try (Stream<Path> files = Files.list(dir.resolve("logs"))) {
            StringBuilder sb = new StringBuilder();
            for (Path f : files.sorted().toList()) {
                sb.append("----- ").append(f).append('\n').append(Files.readString(f, StandardCharsets.ISO_8859_1));
            }
            return sb.toString();
        } catch (IOException e) {
            return "(could not read the logs in " + dir + ": " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "PostgreSQL on 127.0.0.1:" + port + " (" + dir + ")";
    }

    private void admin(String sql) {
        try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on " + this + ": " + e.getMessage(), e);
        }
    }

    private static String checkedName(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        return name;
    }

    // ------------------------------------------------------------------------------------------------

    /** Why PostgreSQL cannot be had in this run. */
    private static final class Unavailable extends Exception {
        Unavailable(String message) {
            super(message);
        }
    }

    private static PostgresServer startCluster() throws Unavailable {
        Path script = script();
        SetupScript.Result install = SCRIPT.run(INSTALL_TIMEOUT_SECONDS, "install");
        if (install.exitCode() != 0) {
            throw new Unavailable((install.exitCode() == EXIT_CANNOT_INSTALL ? "" : "install failed, exit "
                    + install.exitCode() + ":\n") + install.output().strip());
        }
        // The unix socket's path (DIR/socket/.s.PGSQL.PORT) must fit in 107 bytes: a long java.io.tmpdir gives way
        // to /tmp.
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        if (tmp.toString().length() > 50) {
            tmp = Path.of("/tmp");
        }
        removeOrphans(script, tmp);
        Path dir;
        try {
            dir = Files.createTempDirectory(tmp, DIR_PREFIX).toRealPath();
            Files.writeString(dir.resolve(OWNER_FILE), Long.toString(ProcessHandle.current().pid()));
        } catch (IOException e) {
            throw new Unavailable("cannot create a folder for the cluster in " + tmp + ": " + e);
        }
        String password = randomPassword();
        SetupScript.Result last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            long started = System.nanoTime();
            last = SCRIPT.run(START_TIMEOUT_SECONDS, "start", dir.toString(), String.valueOf(port), USER, password);
            if (last.exitCode() == 0) {
                long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
                PostgresServer server = new PostgresServer(dir, port, password, millis);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> stopAndDelete(script, dir), "postgres-stop"));
                System.out.println("PostgresServer: cluster started in " + millis + " ms (initdb and start) on 127.0.0.1:" + port);
                return server;
            }
            // Another process may have taken the port between freePort() and the bind: try another one.
            String said = last.output().toLowerCase(Locale.ROOT);
            if (!said.contains("in use") && !said.contains("could not bind")) {
                break;
            }
        }
        stopAndDelete(script, dir);
        throw new Unavailable("could not start a cluster in " + dir + " (exit " + last.exitCode() + "):\n"
                + last.output().strip());
    }

    /**
     * Stops and removes the clusters that test JVMs killed before their shutdown hook ran (a surefire timeout,
     * a kill -9) left behind: those whose owner process is gone.
     */
    private static void removeOrphans(Path script, Path tmp) {
        try (Stream<Path> dirs = Files.list(tmp)) {
            for (Path d : dirs.filter(p -> p.getFileName().toString().startsWith(DIR_PREFIX)).toList()) {
                Path owner = d.resolve(OWNER_FILE);
                if (!Files.isRegularFile(owner)) {
                    continue;
                }
                long pid;
                try {
                    pid = Long.parseLong(Files.readString(owner).strip());
                } catch (IOException | NumberFormatException e) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                stopAndDelete(script, d);
            }
        } catch (IOException e) {
            // Only tidying up: a leftover cluster costs memory, not correctness.
        }
    }

    private static void stopAndDelete(Path script, Path dir) {
        SetupScript.Result r = SCRIPT.run(STOP_TIMEOUT_SECONDS, "stop", dir.toString());
        if (r.exitCode() != 0) {
            System.err.println("PostgresServer: could not stop the cluster in " + dir + ":\n" + r.output());
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            System.err.println("PostgresServer: could not delete " + dir + ": " + e);
        }
    }

    private static Path script() throws Unavailable {
        try {
            return SCRIPT.file();
        } catch (IOException e) {
            throw new Unavailable("cannot copy " + SCRIPT_RESOURCE + " to a temporary file: " + e);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RANDOM.ints(24, 0, alphabet.length()).mapToObj(i -> String.valueOf(alphabet.charAt(i)))
                .collect(Collectors.joining());
    }
}
