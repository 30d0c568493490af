package dev.photosidecar.http.resumable;

import dev.photosidecar.http.BearerAuth;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.http.StorageErrors;
import dev.photosidecar.http.UploadGate;
import dev.photosidecar.http.UploadKey;
import dev.photosidecar.http.UploadMetadata;
import dev.photosidecar.http.UploadReceipt;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.ResumableUpload;
import dev.photosidecar.spool.OffsetMismatch;
import dev.photosidecar.spool.PartialStore;
import dev.photosidecar.spool.SpoolException;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * tus 1.0 at {@code /v1/tus/}: core, creation, creation-with-upload, termination, expiration and checksum
 * (sha256). The uploads, their spool and their jobs are the same as for the IETF protocol and plain uploads;
 * only the headers differ.
 */
public final class TusUploads {
    static final String PATH = "/v1/tus/";
    private static final String VERSION = "1.0.0";
    private static final String OFFSET_STREAM = "application/offset+octet-stream";

    private final ResumableUploads uploads;
    private final UploadGate gate;
    private final BearerAuth auth;

    public TusUploads(ResumableUploads uploads, UploadGate gate, BearerAuth auth) {
        this.uploads = uploads;
        this.gate = gate;
        this.auth = auth;
    }

    /** What this server supports; no token needed. 501 when resumable uploads are switched off. */
    public void options(Context ctx) {
        if (!uploads.acceptsNew()) {
            throw IetfUploads.switchedOff();
        }
        ctx.header("Tus-Resumable", VERSION);
        ctx.header("Tus-Version", VERSION);
        ctx.header("Tus-Extension", "creation,creation-with-upload,termination,expiration,checksum");
        ctx.header("Tus-Max-Size", String.valueOf(uploads.maxUploadBytes()));
        ctx.header("Tus-Checksum-Algorithm", "sha256");
        ctx.status(204);
    }

    public void create(Context ctx) throws IOException {
        requireVersion(ctx);
        if (!uploads.acceptsNew()) {
            throw IetfUploads.switchedOff();
        }
        gate.enter();
        try {
            Device device = auth.device(ctx);
            TusMetadata metadata = TusMetadata.parse(ctx.header("Upload-Metadata"));
            String key = UploadKey.require(metadata.key());
            UploadMetadata meta = UploadMetadata.parse(key, metadata::header);
            if (ctx.header("Upload-Defer-Length") != null) {
                throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "Upload-Defer-Length is not supported; send Upload-Length");
            }
            long length = UploadHeaders.requireCount("Upload-Length", ctx.header("Upload-Length"));
            ResumableUpload u = uploads.create(device, key, meta, "tus", OptionalLong.of(length),
                    meta.sha256().map(dev.photosidecar.spool.Sha256::hex));
            ctx.header("Location", PATH + u.id());
            try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
                boolean withBody = isOffsetStream(ctx.header("Content-Type"));
                long offset = 0;
                if (withBody) {
                    try {
                        offset = append(ctx, u, device, 0, false);
                    } catch (Problem | SpoolException refused) {
                        ErrorCode code = StorageErrors.answerFor(refused).orElseThrow().code();
                        if (code != ErrorCode.KEY_CONFLICT && code != ErrorCode.DIGEST_MISMATCH) {
                            uploads.refusedAtCreation(u, refused);
                        }
                        throw refused;
                    }
                } else if (length == 0) {
                    // Location stays the tus upload's URL, which tus clients need; the job is in the receipt headers.
                    UploadReceipt.putWithoutLocation(ctx, uploads.finish(u, device).job());
                }
                ctx.header("Upload-Offset", String.valueOf(offset));
                ctx.header("Upload-Expires", httpDate(uploads.touch(u)));
                ctx.status(201);
            }
        } finally {
            gate.leave();
        }
    }

    public void head(Context ctx) {
        requireVersion(ctx);
        Device device = auth.device(ctx);
        String id = ctx.pathParam("id");
        ctx.header("Cache-Control", "no-store");
        Optional<ResumableUpload> found = uploads.find(device, id);
        if (found.isEmpty()) {
            Job done = uploads.finishedJob(device, id).orElseThrow(() -> IetfUploads.notFound(id));
            ctx.header("Upload-Offset", String.valueOf(done.size()));
            ctx.header("Upload-Length", String.valueOf(done.size()));
            ctx.status(200);
            return;
        }
        ResumableUpload u = found.get();
        ctx.header("Upload-Expires", httpDate(uploads.touch(u)));
        ctx.header("Upload-Offset", String.valueOf(uploads.offset(u)));
        u.uploadLength().ifPresent(n -> ctx.header("Upload-Length", String.valueOf(n)));
        ctx.status(200);
    }

    public void patch(Context ctx) throws IOException {
        requireVersion(ctx);
        gate.enter();
        try {
            Device device = auth.device(ctx);
            String id = ctx.pathParam("id");
            if (!isOffsetStream(ctx.header("Content-Type"))) {
                throw new Problem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "a tus PATCH must have Content-Type: " + OFFSET_STREAM);
            }
            long offset = UploadHeaders.requireCount("Upload-Offset", ctx.header("Upload-Offset"));
            Optional<ResumableUpload> found = uploads.find(device, id);
            if (found.isEmpty()) {
                Job done = uploads.finishedJob(device, id).orElseThrow(() -> IetfUploads.notFound(id));
                ctx.header("Upload-Offset", String.valueOf(done.size()));
                throw new Problem(ErrorCode.OFFSET_MISMATCH, "this upload is complete already; its job is " + done.id());
            }
            ResumableUpload u = found.get();
            try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
                long now = append(ctx, u, device, offset, true);
                ctx.header("Upload-Offset", String.valueOf(now));
                if (uploads.find(device, id).isPresent()) {
                    ctx.header("Upload-Expires", httpDate(uploads.touch(u)));
                }
                ctx.status(204);
            }
        } finally {
            gate.leave();
        }
    }

    public void delete(Context ctx) {
        requireVersion(ctx);
        Device device = auth.device(ctx);
        String id = ctx.pathParam("id");
        ResumableUpload u = uploads.find(device, id).orElseThrow(() -> IetfUploads.notFound(id));
        try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
            uploads.cancel(u);
        }
        ctx.status(204);
    }

    /**
     * Appends the body at {@code offset} and finishes the upload when it reaches its length, with the job's receipt
     * in the answer ({@code Location} only where it may name the job); returns the offset.
     */
    private long append(Context ctx, ResumableUpload u, Device device, long offset, boolean jobLocation) throws IOException {
        Optional<byte[]> checksum = checksum(ctx.header("Upload-Checksum"));
        InputStream body = new RequestBody(ctx);
        PartialStore.Appended appended;
        try {
            appended = uploads.append(u, offset, body, ctx.req().getContentLengthLong(), checksum);
        } catch (OffsetMismatch m) {
            ctx.header("Upload-Offset", String.valueOf(m.offset()));
            throw m;
        }
        if (appended.cutShort()) {
            throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "the body broke off after " + appended.received()
                    + " bytes; the upload continues at offset " + appended.offset());
        }
        if (u.uploadLength().isPresent() && appended.offset() == u.uploadLength().getAsLong()) {
            Job job = uploads.finish(u, device).job();
            if (jobLocation) {
                UploadReceipt.put(ctx, job);
            } else {
                UploadReceipt.putWithoutLocation(ctx, job);
            }
        }
        return appended.offset();
    }

    private static Optional<byte[]> checksum(String header) {
        if (header == null) {
            return Optional.empty();
        }
        String[] parts = header.strip().split(" ", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("sha256")) {
            throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "Upload-Checksum must be 'sha256 BASE64'; sha256 is the only algorithm supported");
        }
        try {
            byte[] sha = Base64.getDecoder().decode(parts[1].strip());
            if (sha.length != 32) {
                throw new IllegalArgumentException("length");
            }
            return Optional.of(sha);
        } catch (IllegalArgumentException e) {
            throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "Upload-Checksum's value is not the base64 of 32 bytes");
        }
    }

    private static void requireVersion(Context ctx) {
        ctx.header("Tus-Resumable", VERSION);
        String asked = ctx.header("Tus-Resumable");
        if (!VERSION.equals(asked == null ? null : asked.strip())) {
            ctx.header("Tus-Version", VERSION);
            throw new Problem(ErrorCode.UNSUPPORTED_PROTOCOL_VERSION, "this server speaks tus " + VERSION
                    + "; send Tus-Resumable: " + VERSION);
        }
    }

    private static boolean isOffsetStream(String contentType) {
        return contentType != null && contentType.strip().toLowerCase(Locale.ROOT).startsWith(OFFSET_STREAM);
    }

    private static String httpDate(Instant t) {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(t.atOffset(ZoneOffset.UTC));
    }
}
