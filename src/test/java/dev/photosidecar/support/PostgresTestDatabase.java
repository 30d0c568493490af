package dev.photosidecar.support;

import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 extension that gives a test class its own empty database on the run's {@link PostgresServer}:
 * created before the class's first test, dropped after its last. The class is skipped with the reason when
 * PostgreSQL is not available (failed when {@code CI=true}).
 *
 * <pre>{@code
 * @RegisterExtension
 * static final PostgresTestDatabase db = new PostgresTestDatabase();
 *
 * @Test
 * void works() throws Exception {
 *     try (Connection c = db.connect()) { ... }   // or db.jdbcUrl(), db.user(), db.password(), db.uri()
 * }
 * }</pre>
 */
public final class PostgresTestDatabase implements BeforeAllCallback, AfterAllCallback {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<String> others = new CopyOnWriteArrayList<>();
    private PostgresServer server;
    private String name;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = PostgresServer.shared();
        name = uniqueName(context.getRequiredTestClass());
        server.createDatabase(name);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (server == null) {
            return;
        }
        for (String other : others) {
            server.dropDatabase(other);
        }
        others.clear();
        if (name != null) {
            server.dropDatabase(name);
        }
    }

    /**
     * Another empty database on the same cluster, dropped with this one after the class: for tests that each
     * want a fresh ledger (a contract suite's {@code openLedger}) or several at once.
     */
    public Fresh fresh() {
        String other = name() + "_" + (others.size() + 1);
        server().createDatabase(other);
        others.add(other);
        return new Fresh(other, server.jdbcUrl(other), server.uri(other));
    }

    /** A database made by {@link #fresh()}: its name, its JDBC URL (no credentials) and its postgresql:// URI. */
    public record Fresh(String name, String jdbcUrl, String uri) {
    }

    /** The database's name, unique in this cluster (the test class's name and a random suffix). */
    public String name() {
        return started(name);
    }

    /** {@code jdbc:postgresql://127.0.0.1:PORT/NAME}, without credentials. */
    public String jdbcUrl() {
        return server().jdbcUrl(name());
    }

    /** {@code postgresql://USER:PASSWORD@127.0.0.1:PORT/NAME}. */
    public String uri() {
        return server().uri(name());
    }

    public String user() {
        return server().user();
    }

    public String password() {
        return server().password();
    }

    public PostgresServer server() {
        return started(server);
    }

    /** A new connection to this database as the cluster's superuser; the caller closes it. */
    public Connection connect() throws SQLException {
        return server().connect(name());
    }

    private <T> T started(T value) {
        if (value == null) {
            throw new IllegalStateException("PostgresTestDatabase is used before beforeAll: register it on a static field");
        }
        return value;
    }

    private static String uniqueName(Class<?> testClass) {
        String base = testClass.getSimpleName().replaceAll("[^A-Za-z0-9]", "").toLowerCase(Locale.ROOT);
        // PostgreSQL names are at most 63 bytes; fresh() appends _N to this one.
        base = base.substring(0, Math.min(base.length(), 36));
        return "t_" + base + "_" + Long.toString(RANDOM.nextLong() & Long.MAX_VALUE, 36);
    }
}
