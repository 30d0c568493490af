package dev.photosidecar.ledger.postgres;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.jdbi.v3.core.Jdbi;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Opens the ledger on PostgreSQL: a pool of connections to the database {@link PostgresUrl} names, migrated to
 * the newest schema ({@code db/postgresql}, the same in meaning as SQLite's {@code db/sqlite}).
 *
 * <p>Several sidecars may open the same database at once: Flyway holds a PostgreSQL advisory lock while it
 * migrates, so one of them migrates and the others find the schema current.
 */
public final class PostgresDatabase {
    /** Where Flyway finds the PostgreSQL migrations on the class path. */
    public static final String MIGRATIONS = "classpath:db/postgresql";
    /** How long a caller waits for a free connection, as a SQLite writer waits for the lock. */
    static final long CONNECTION_TIMEOUT_MILLIS = 30_000;

    private PostgresDatabase() {
    }

    /**
     * Connects with up to {@code connections} pooled connections and migrates the schema. Close the result
     * when the server stops.
     *
     * @throws IllegalStateException when the database cannot be reached, refuses the credentials, or cannot be
     *     migrated; the message names the database (never the password) and the server's reason
     */
    public static Pooled open(PostgresUrl url, int connections) {
        if (connections < 1) {
            throw new IllegalArgumentException("connections must be at least 1, not " + connections);
        }
        HikariConfig pool = new HikariConfig();
        pool.setPoolName("ledger");
        pool.setJdbcUrl(url.jdbcUrl());
        pool.setUsername(url.user());
        url.password().ifPresent(pool::setPassword);
        pool.setMaximumPoolSize(connections);
        pool.setMinimumIdle(1);
        pool.setConnectionTimeout(CONNECTION_TIMEOUT_MILLIS);
        if (!url.parameters().getOrDefault("options", "").contains("lock_timeout")) {
            // A statement waiting for a row another replica holds gives up as a SQLite writer does after its busy
            // timeout, instead of waiting for ever behind a stuck transaction; the URL's options may say otherwise.
            pool.setConnectionInitSql("SET lock_timeout = '" + CONNECTION_TIMEOUT_MILLIS + "ms'");
        }
        HikariDataSource dataSource;
        try {
            dataSource = new HikariDataSource(pool);
        } catch (HikariPool.PoolInitializationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException("cannot connect to the ledger database " + url + ": " + cause.getMessage(), e);
        }
        try {
            migrate(url);
        } catch (FlywayException e) {
            dataSource.close();
            throw new IllegalStateException("cannot migrate the ledger database " + url + ": " + e.getMessage(), e);
        }
        return new Pooled(Jdbi.create(dataSource), dataSource);
    }

    /** Parses the settings ({@link PostgresUrl#parse}) and {@link #open(PostgresUrl, int) opens} the database. */
    public static Pooled open(String url, String user, String password, int connections) {
        return open(PostgresUrl.parse(url, user, password), connections);
    }

    /**
     * Migrates through connections of its own, not the pool's: on PostgreSQL Flyway holds its advisory lock on
     * one connection and migrates on another, so a pool of one connection would wait for itself until the
     * connection timeout.
     */
    private static void migrate(PostgresUrl url) {
        PGSimpleDataSource direct = new PGSimpleDataSource();
        direct.setURL(url.jdbcUrl());
        direct.setUser(url.user());
        url.password().ifPresent(direct::setPassword);
        Flyway.configure()
                .dataSource(direct)
                .locations(MIGRATIONS)
                .loggers("slf4j")
                .load()
                .migrate();
    }

    /** A pooled PostgreSQL ledger: its {@link Jdbi}, and {@link #close()} to close its connections. */
    public record Pooled(Jdbi jdbi, HikariDataSource dataSource) implements AutoCloseable {
        @Override
        public void close() {
            dataSource.close();
        }
    }
}
