package dev.photosidecar.ledger.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Tells, with one query, whether a ledger's schema is already exactly what this build's migrations make, so that
 * opening it can skip Flyway: Flyway's start-up (its plugin registry, the class-path scan of a 35 MiB jar for the
 * migration files, validation) was a sixth of the sidecar's start-up CPU, to learn on nearly every start that there
 * is nothing to do (docs/performance.md, start-up).
 *
 * <p>The answer is yes only when Flyway's own validation would pass and its migrate would apply nothing: every row
 * of {@code flyway_schema_history} is a successful SQL migration, and the rows are this build's migrations, in order,
 * with the same versions, descriptions and checksums. Anything else (no history yet, an older or a newer schema, a
 * failed or edited migration, a history this code cannot read) is a no, and Flyway runs exactly as before.
 */
public final class MigrationHistory {
    /** One migration as Flyway records it once applied: version, description and its checksum (CRC32 of the lines). */
    public record Applied(String version, String description, int checksum) {
    }

    private MigrationHistory() {
    }

    /** Whether {@code ledger}'s history lists exactly {@code bundled}, all applied successfully; false on any doubt. */
    public static boolean isCurrent(DataSource ledger, List<Applied> bundled) {
        try (Connection c = ledger.getConnection();
             Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT version, description, type, checksum, success"
                     + " FROM flyway_schema_history ORDER BY installed_rank")) {
            List<Applied> found = new ArrayList<>();
            while (rs.next()) {
                int checksum = rs.getInt(4);
                boolean noChecksum = rs.wasNull();
                if (!"SQL".equals(rs.getString(3)) || !rs.getBoolean(5) || noChecksum) {
                    return false;
                }
                found.add(new Applied(rs.getString(1), rs.getString(2), checksum));
            }
            return found.equals(bundled);
        } catch (SQLException noHistoryOrUnreadable) {
            return false;
        }
    }
}
