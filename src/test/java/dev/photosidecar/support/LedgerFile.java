package dev.photosidecar.support;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/** Reads a sidecar's {@code ledger.db} straight from the file, for checks after the sidecar has stopped. */
public final class LedgerFile {
    private LedgerFile() {
    }

    /** What {@code PRAGMA integrity_check} says: "ok" when the file is sound, else every problem, one per line. */
    public static String integrityCheck(Path ledger) {
        StringBuilder said = new StringBuilder();
        read(ledger, "PRAGMA integrity_check", rs -> said.append(said.length() == 0 ? "" : "\n").append(rs.getString(1)));
        return said.toString();
    }

    /** Every job's state, by upload key. */
    public static Map<String, String> statesByKey(Path ledger) {
        Map<String, String> states = new HashMap<>();
        read(ledger, "SELECT upload_key, state FROM jobs", rs -> states.put(rs.getString(1), rs.getString(2)));
        return states;
    }

    private interface Row {
        void accept(ResultSet rs) throws SQLException;
    }

    private static void read(Path ledger, String sql, Row row) {
        try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + ledger);
             Statement st = db.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                row.accept(rs);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read " + ledger + ": " + e.getMessage(), e);
        }
    }
}
