package dev.photosidecar.ledger.jdbc;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.ResourceType;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Maps a {@code jobs} row to a {@link Job}. Every database keeps the same columns (times in milliseconds), so one
 * mapper reads them all.
 */
public final class JobRows implements RowMapper<Job> {
    /** The one mapper; it holds no state. */
    public static final JobRows INSTANCE = new JobRows();

    private JobRows() {
    }

    @Override
    public Job map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Job(
                rs.getLong("seq"),
                rs.getString("id"),
                rs.getString("device_id"),
                rs.getString("user_id"),
                rs.getString("upload_key"),
                JobState.fromWire(rs.getString("state")).orElseThrow(),
                rs.getString("filename"),
                ResourceType.parse(rs.getString("resource_type")).orElseThrow(),
                Optional.ofNullable(rs.getString("asset_id")),
                rs.getString("content_type"),
                rs.getLong("size"),
                rs.getString("sha256"),
                Instant.ofEpochMilli(rs.getLong("created_at")),
                Instant.ofEpochMilli(rs.getLong("received_at")),
                rs.getInt("attempts"),
                instant(rs, "next_attempt_at"),
                Optional.ofNullable(rs.getString("lease_owner")),
                Optional.ofNullable(rs.getString("last_error")),
                Optional.ofNullable(rs.getString("remote_path")),
                Optional.ofNullable(rs.getString("remote_etag")),
                Optional.ofNullable(rs.getString("remote_file_id")),
                instant(rs, "delivered_at"));
    }

    /** A nullable millisecond column as an instant. */
    public static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    /** A nullable millisecond column, by position, as an instant. */
    public static Optional<Instant> instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }
}
