package dev.photosidecar.ledger.postgres;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.ResumableUpload;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * Reads PostgreSQL rows into the ledger's records: jobs, resumable uploads and devices. The columns are SQLite's
 * (times in BIGINT milliseconds), so this reads as the SQLite mappers do; it is kept beside the PostgreSQL SQL so
 * that each implementation owns how it reads its own tables.
 */
final class PostgresRows {
    private PostgresRows() {
    }

    static Job job(ResultSet rs, StatementContext ctx) throws SQLException {
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
