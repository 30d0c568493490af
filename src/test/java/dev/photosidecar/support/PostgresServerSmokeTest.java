package dev.photosidecar.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The test cluster is what the PostgreSQL tests rely on: a private database, loopback only, a password. */
@PostgresTest
class PostgresServerSmokeTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @Test
    void theClassGetsItsOwnEmptyDatabase() throws SQLException {
        assertThat(db.name()).startsWith("t_postgresserversmoketest_");
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            assertThat(string(st, "SELECT current_database()")).isEqualTo(db.name());
            assertThat(string(st, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
                    .isEqualTo("0");
        }
    }

    @Test
    void freshDatabasesAreSeparateFromTheClasssAndFromEachOther() throws SQLException {
        PostgresTestDatabase.Fresh first = db.fresh();
        PostgresTestDatabase.Fresh second = db.fresh();
        assertThat(first.name()).isNotEqualTo(second.name()).startsWith(db.name() + "_");
        try (Connection c = DriverManager.getConnection(first.jdbcUrl(), db.user(), db.password());
             Statement st = c.createStatement()) {
            st.execute("CREATE TABLE only_here (x int)");
            assertThat(string(st, "SELECT current_database()")).isEqualTo(first.name());
        }
        try (Connection c = DriverManager.getConnection(second.jdbcUrl(), db.user(), db.password());
             Statement st = c.createStatement()) {
            assertThat(string(st, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"))
                    .isEqualTo("0");
        }
    }

    @Test
    void listensOnLoopbackOnlyWithPrivateSocketAndNoDiskSyncs() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            assertThat(string(st, "SHOW listen_addresses")).isEqualTo("127.0.0.1");
            assertThat(string(st, "SHOW unix_socket_directories")).doesNotContain("/var/run/postgresql");
            assertThat(string(st, "SHOW fsync")).isEqualTo("off");
        }
    }

    @Test
    void tcpConnectionsNeedThePassword() {
        assertThatThrownBy(() -> DriverManager.getConnection(db.jdbcUrl(), db.user(), db.password() + "x").close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("password authentication failed");
    }

    @Test
    void aDroppedDatabaseIsGoneEvenWithAConnectionLeftOpen() throws SQLException {
        PostgresServer server = db.server();
        server.createDatabase("t_smoke_drop");
        try (Connection leftOpen = server.connect("t_smoke_drop")) {
            server.dropDatabase("t_smoke_drop");
            try (Connection c = db.connect(); Statement st = c.createStatement()) {
                assertThat(string(st, "SELECT count(*) FROM pg_database WHERE datname = 't_smoke_drop'")).isEqualTo("0");
            }
            assertThat(leftOpen.isValid(2)).isFalse();
        }
    }

    private static String string(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
