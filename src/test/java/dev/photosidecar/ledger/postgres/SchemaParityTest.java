package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ledgers' schemas stay the same in meaning: SQLite's migrations on a temporary file and PostgreSQL's on
 * a fresh database give the same migration versions, tables, column names, nullability, keys and indexes, as
 * the JDBC drivers describe them. A migration added to one database only fails here.
 *
 * <p>What JDBC metadata cannot show (CHECK constraints, partial indexes' conditions, column types, which differ
 * on purpose: INTEGER/BIGINT, BLOB/BYTEA) is not compared here; CheckConstraintParityTest covers the CHECKs by
 * behaviour.
 */
@PostgresTest
class SchemaParityTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @TempDir
    static Path tmp;

    private static Path sqliteFile;

    @BeforeAll
    static void migrateBoth() {
        sqliteFile = tmp.resolve("ledger.db");
        Database.open(sqliteFile); // migrates the file to the newest SQLite schema
        PostgresDatabase.open(db.uri(), null, null, 1).close();
    }

    @Test
    void bothDatabasesHaveAppliedTheSameMigrationVersions() throws SQLException {
        try (Connection sqlite = sqlite(); Connection pg = db.connect()) {
            List<String> sqliteVersions = versions(sqlite);
            assertThat(sqliteVersions).as("SQLite's migrations").isNotEmpty();
            assertThat(versions(pg))
                    .as("PostgreSQL's migration versions (src/main/resources/db/postgresql) must match SQLite's: "
                            + "add the same migration, in meaning, for both databases")
                    .isEqualTo(sqliteVersions);
        }
    }

    @Test
    void bothDatabasesHaveTheSameTablesColumnsKeysAndIndexes() throws SQLException {
        Map<String, TableShape> sqliteTables;
        Map<String, TableShape> pgTables;
        try (Connection sqlite = sqlite(); Connection pg = db.connect()) {
            sqliteTables = shapes(sqlite.getMetaData(), null);
            pgTables = shapes(pg.getMetaData(), "public");
        }
        assertThat(sqliteTables).as("SQLite's tables").containsKeys("jobs", "devices", "users", "resumable_uploads");
        assertThat(pgTables.keySet()).as("table names").isEqualTo(sqliteTables.keySet());
        // Every table's differences at once, not only the first table's.
        SoftAssertions.assertSoftly(softly -> {
            for (String table : sqliteTables.keySet()) {
                softly.assertThat(pgTables.get(table)).as("table %s on PostgreSQL against SQLite", table)
                        .isEqualTo(sqliteTables.get(table));
            }
        });
    }

    /**
     * One table as JDBC describes it. {@code columns} maps each column name to whether it is NOT NULL, in table
     * order. A primary key column counts as NOT NULL on both: SQLite does not say so for a TEXT PRIMARY KEY
     * (its old leniency), PostgreSQL always does. {@code uniqueKeys} are the column lists of unique indexes
     * other than the primary key's, whatever their names (SQLite calls them sqlite_autoindex_…); {@code indexes}
     * are the other indexes by name, as both migrations name them.
     */
    record TableShape(List<String> columns, List<String> primaryKey, Set<String> uniqueKeys,
                      Map<String, String> indexes, Set<String> foreignKeys) {
    }

    private static Map<String, TableShape> shapes(DatabaseMetaData meta, String schema) throws SQLException {
        Map<String, TableShape> tables = new TreeMap<>();
        for (String table : tables(meta, schema)) {
            List<String> primaryKey = primaryKey(meta, schema, table);
            List<String> columns = new ArrayList<>();
            try (ResultSet rs = meta.getColumns(null, schema, table, "%")) {
                while (rs.next()) {
                    String name = rs.getString("COLUMN_NAME");
                    boolean notNull = rs.getInt("NULLABLE") == DatabaseMetaData.columnNoNulls || primaryKey.contains(name);
                    columns.add(name + (notNull ? " NOT NULL" : ""));
                }
            }
            Map<String, List<String>> byIndex = new TreeMap<>();
            Map<String, Boolean> unique = new TreeMap<>();
            try (ResultSet rs = meta.getIndexInfo(null, schema, table, false, false)) {
                while (rs.next()) {
                    String index = rs.getString("INDEX_NAME");
                    String column = rs.getString("COLUMN_NAME");
                    if (index == null || column == null) {
                        continue; // table statistics rows
                    }
                    List<String> cols = byIndex.computeIfAbsent(index, k -> new ArrayList<>());
                    int position = rs.getInt("ORDINAL_POSITION");
                    while (cols.size() < position) {
                        cols.add(null);
                    }
                    cols.set(position - 1, column);
                    unique.put(index, !rs.getBoolean("NON_UNIQUE"));
                }
            }
            Set<String> uniqueKeys = new TreeSet<>();
            Map<String, String> indexes = new TreeMap<>();
            for (Map.Entry<String, List<String>> index : byIndex.entrySet()) {
                if (unique.get(index.getKey())) {
                    if (!index.getValue().equals(primaryKey)) {
                        uniqueKeys.add(String.join(", ", index.getValue()));
                    }
                } else {
                    indexes.put(index.getKey(), String.join(", ", index.getValue()));
                }
            }
            Set<String> foreignKeys = new TreeSet<>();
            try (ResultSet rs = meta.getImportedKeys(null, schema, table)) {
                while (rs.next()) {
                    foreignKeys.add(rs.getString("FKCOLUMN_NAME") + " -> " + rs.getString("PKTABLE_NAME") + "."
                            + rs.getString("PKCOLUMN_NAME"));
                }
            }
            tables.put(table, new TableShape(columns, primaryKey, uniqueKeys, indexes, foreignKeys));
        }
        return tables;
    }

    private static Set<String> tables(DatabaseMetaData meta, String schema) throws SQLException {
        Set<String> tables = new TreeSet<>();
        try (ResultSet rs = meta.getTables(null, schema, "%", new String[] {"TABLE"})) {
            while (rs.next()) {
                String name = rs.getString("TABLE_NAME");
                // Flyway's bookkeeping and SQLite's own tables (sqlite_sequence for AUTOINCREMENT) are not the ledger.
                if (!name.equals("flyway_schema_history") && !name.startsWith("sqlite_")) {
                    tables.add(name);
                }
            }
        }
        return tables;
    }

    private static List<String> primaryKey(DatabaseMetaData meta, String schema, String table) throws SQLException {
        Map<Integer, String> bySeq = new TreeMap<>();
        try (ResultSet rs = meta.getPrimaryKeys(null, schema, table)) {
            while (rs.next()) {
                bySeq.put(rs.getInt("KEY_SEQ"), rs.getString("COLUMN_NAME"));
            }
        }
        return new ArrayList<>(bySeq.values());
    }

    private static List<String> versions(Connection c) throws SQLException {
        List<String> versions = new ArrayList<>();
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(
                     "SELECT version FROM flyway_schema_history WHERE version IS NOT NULL ORDER BY installed_rank")) {
            while (rs.next()) {
                versions.add(rs.getString(1));
            }
        }
        return versions;
    }

    private static Connection sqlite() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + sqliteFile);
    }
}
