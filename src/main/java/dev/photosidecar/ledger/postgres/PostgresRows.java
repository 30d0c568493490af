package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.ResumableUpload;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Reads PostgreSQL rows into the ledger's records: resumable uploads and devices (jobs: {@code JobRows}). The columns are SQLite's
 * (times in BIGINT milliseconds), so this reads as the SQLite mappers do; it is kept beside the PostgreSQL SQL so
 * that each implementation owns how it reads its own tables.
 */
final class PostgresRows {
    private PostgresRows() {
    }

    static ResumableUpload upload(ResultSet rs, StatementContext ctx) throws SQLException {
        long length = rs.getLong("upload_length");
        OptionalLong uploadLength = rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(length);
        return new ResumableUpload(
                rs.getString("id"),
                rs.getString("protocol"),
                rs.getString("device_id"),
                rs.getString("user_id"),
                rs.getString("upload_key"),
                Optional.ofNullable(rs.getString("job_id")),
                rs.getString("filename"),
                ResourceType.parse(rs.getString("resource_type")).orElseThrow(),
                Optional.ofNullable(rs.getString("asset_id")),
                rs.getString("content_type"),
                instant(rs, "captured_at"),
                uploadLength,
                Optional.ofNullable(rs.getString("expected_sha256")),
                Instant.ofEpochMilli(rs.getLong("started_at")),
                Instant.ofEpochMilli(rs.getLong("expires_at")));
    }

    static Device device(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Device(rs.getString("id"), rs.getString("user_id"), rs.getString("name"),
                Instant.ofEpochMilli(rs.getLong("created_at")), instant(rs, "revoked_at"));
    }

    static Optional<Instant> instant(ResultSet rs, String column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }

    static Optional<Instant> instant(ResultSet rs, int column) throws SQLException {
        long v = rs.getLong(column);
        return rs.wasNull() ? Optional.empty() : Optional.of(Instant.ofEpochMilli(v));
    }
}
