package dev.photosidecar.support;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the jobs of a ledger on PostgreSQL straight from the database, beside the sidecars that share it: who holds
 * a lease and until when, and how each job ended. The {@link LedgerFile} of the replica tests.
 */
public final class SharedLedger {
    private final PostgresServer server;
    private final String database;

    public SharedLedger(PostgresServer server, String database) {
        this.server = server;
        this.database = database;
    }

    /** One job's row, as far as leases and the outcome go. Times are null where the row has none. */
    public record JobRow(String id, String deviceId, String key, String state, int attempts, String leaseOwner,
                         Instant leaseExpiresAt, Instant deliveredAt, String remotePath) {
    }

    /** The job, if the ledger has it. */
    public Optional<JobRow> job(String id) {
        List<JobRow> rows = rows("WHERE id = ?", id);
        return rows.stream().findFirst();
    }

    /** The jobs {@code owner} holds a lease on (state {@code delivering}), by id. */
    public Map<String, JobRow> leasedTo(String owner) {
        Map<String, JobRow> byId = new HashMap<>();
        rows("WHERE state = 'delivering' AND lease_owner = ?", owner).forEach(r -> byId.put(r.id(), r));
        return byId;
    }

    /** Every job of {@code deviceId}, by upload key. */
    public Map<String, JobRow> byKey(String deviceId) {
        Map<String, JobRow> byKey = new HashMap<>();
        rows("WHERE device_id = ?", deviceId).forEach(r -> byKey.put(r.key(), r));
        return byKey;
    }

    private List<JobRow> rows(String where, String value) {
        String sql = "SELECT id, device_id, upload_key, state, attempts, lease_owner, lease_expires_at, delivered_at,"
                + " remote_path FROM jobs " + where + " ORDER BY seq";
        try (Connection c = server.connect(database); PreparedStatement st = c.prepareStatement(sql)) {
            st.setString(1, value);
            try (ResultSet rs = st.executeQuery()) {
                List<JobRow> rows = new ArrayList<>();
                while (rs.next()) {
                    rows.add(new JobRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getInt(5),
                            rs.getString(6), instant(rs, 7), instant(rs, 8), rs.getString(9)));
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the jobs of database " + database + ": " + e.getMessage(), e);
        }
    }

    /** The ledger keeps times as milliseconds since the epoch (UTC) on both databases. */
    private static Instant instant(ResultSet rs, int column) throws SQLException {
        long millis = rs.getLong(column);
        return rs.wasNull() ? null : Instant.ofEpochMilli(millis);
    }
}
