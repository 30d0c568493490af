package dev.photosidecar.api.resumable;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import dev.photosidecar.api.BearerAuth;
import dev.photosidecar.api.JobView;
import dev.photosidecar.api.UploadGate;
import dev.photosidecar.api.UploadKey;
import dev.photosidecar.api.UploadMetadata;
import dev.photosidecar.jobs.Device;
import dev.photosidecar.jobs.Job;
import dev.photosidecar.jobs.ResumableUpload;
import dev.photosidecar.spool.OffsetMismatch;
import dev.photosidecar.spool.PartialStore;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The IETF "Resumable Uploads for HTTP" draft (interop versions 6 and 3), as iOS's URLSession speaks it.
 *
 * <ul>
 * <li>Creation: a {@code PUT|POST /v1/uploads/{key}} with {@code Upload-Draft-Interop-Version} (and, in
 * version 6, {@code Upload-Complete}) gets {@code 104 Upload Resumption Supported} with the upload's
 * {@code Location: /v1/resumable/{id}} before its body is read. A request without these headers is a plain
 * upload and never comes here.</li>
 * <li>{@code HEAD /v1/resumable/{id}}: the durable offset and whether the upload is complete.</li>
 * <li>{@code PATCH /v1/resumable/{id}}: appends at {@code Upload-Offset}; another offset is 409 with the
 * true one.</li>
 * <li>{@code DELETE /v1/resumable/{id}}: cancels.</li>
 * <li>{@code OPTIONS}: {@code Upload-Limit: max-size=N}.</li>
 * </ul>
 * Every call but OPTIONS needs the creating device's token: another device's upload is a 404.
 */
public final class IetfUploads {
    static final String PATH = "/v1/resumable/";
    private static final String PARTIAL_UPLOAD = "application/partial-upload";

    private final ResumableUploads uploads;
    private final UploadGate gate;
    private final BearerAuth auth;

    public IetfUploads(ResumableUploads uploads, UploadGate gate, BearerAuth auth) {
        this.uploads = uploads;
        this.gate = gate;
        this.auth = auth;
    }

    /**
     * Whether a {@code PUT|POST /v1/uploads/{key}} asks to create a resumable upload. Unknown interop versions,
     * and version 6 without {@code Upload-Complete}, are plain uploads: the client then simply gets no 104.
     */
    public boolean isCreation(Context ctx) {
        Optional<IetfVersion> v = IetfVersion.of(ctx.header(IetfVersion.HEADER));
        return v.isPresent() && (v.get() == IetfVersion.V3 || ctx.header("Upload-Complete") != null);
    }

    /** OPTIONS on the upload URLs: the limits, no token needed. */
    public void options(Context ctx) {
        ctx.header("Upload-Limit", limit());
        ctx.header("Allow", ctx.path().startsWith(PATH) ? "HEAD, PATCH, DELETE, OPTIONS" : "PUT, POST, GET, OPTIONS");
        ctx.status(200);
    }

    public void create(Context ctx) throws IOException {
        IetfVersion version = IetfVersion.of(ctx.header(IetfVersion.HEADER)).orElseThrow();
        gate.enter();
        try {
            Device device = auth.device(ctx);
            String key = UploadKey.require(ctx.pathParam("key"));
            boolean complete = version.complete(ctx).orElseThrow();
            // Content-Digest covers this request's body only; it is the whole upload's digest only if the body
            // is the whole upload. Repr-Digest always describes the whole upload.
            UploadMetadata meta = UploadMetadata.parse(key,
                    name -> !complete && name.equalsIgnoreCase("Content-Digest") ? null : ctx.header(name));
            long declared = ctx.req().getContentLengthLong();
            OptionalLong length = UploadHeaders.count("Upload-Length", ctx.header("Upload-Length"));
            if (complete && declared >= 0) {
                if (length.isPresent() && length.getAsLong() != declared) {
                    throw new Problem(ErrorCode.INVALID_UPLOAD_HEADER, "Upload-Length " + length.getAsLong()
                            + " differs from the Content-Length " + declared + " of a request that completes the upload");
                }
                length = OptionalLong.of(declared);
            }
            ResumableUpload u = uploads.create(device, key, meta, version.protocol(), length,
                    meta.sha256().map(dev.photosidecar.spool.Sha256::hex));
            try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
                Map<String, String> interim = new LinkedHashMap<>();
                interim.put("Location", PATH + u.id());
                interim.put(IetfVersion.HEADER, version.wire());
                interim.put("Upload-Limit", limit());
                InterimResponse.send(ctx, 104, "Upload Resumption Supported", interim);
                PartialStore.Appended appended;
                try {
                    appended = uploads.append(u, 0, new RequestBody(ctx), declared, Optional.empty());
                } catch (Problem p) {
                    uploads.refusedAtCreation(u, p);
                    throw p;
                }
                ctx.header("Location", PATH + u.id());
                if (appended.cutShort()) {
                    throw cutShort(appended);
                }
                if (complete) {
                    answerFinished(ctx, version, uploads.finish(u, device));
                } else {
                    answerIncomplete(ctx, version, u, appended.offset(), 201);
                }
            }
        } finally {
            gate.leave();
        }
    }

    public void head(Context ctx) {
        Device device = auth.device(ctx);
        String id = ctx.pathParam("id");
        ctx.header("Cache-Control", "no-store");
        Optional<ResumableUpload> found = uploads.find(device, id);
        if (found.isEmpty()) {
            Job done = uploads.finishedJob(device, id).orElseThrow(() -> notFound(id));
            IetfVersion version = requestVersion(ctx, IetfVersion.V6);
            ctx.header("Upload-Offset", String.valueOf(done.size()));
            ctx.header("Upload-Length", String.valueOf(done.size()));
            version.putComplete(ctx, true);
            ctx.status(204);
            return;
        }
        ResumableUpload u = found.get();
        IetfVersion version = versionOf(ctx, u);
        uploads.touch(u);
        ctx.header("Upload-Offset", String.valueOf(uploads.offset(u)));
        u.uploadLength().ifPresent(n -> ctx.header("Upload-Length", String.valueOf(n)));
        ctx.header("Upload-Limit", limit());
        version.putComplete(ctx, false);
        ctx.status(204);
    }

    public void patch(Context ctx) throws IOException {
        gate.enter();
        try {
            Device device = auth.device(ctx);
            String id = ctx.pathParam("id");
            Optional<ResumableUpload> found = uploads.find(device, id);
            if (found.isEmpty()) {
                Job done = uploads.finishedJob(device, id).orElseThrow(() -> notFound(id));
                // The upload is finished already (the client missed the answer): there is nothing to append to.
                ctx.header("Upload-Offset", String.valueOf(done.size()));
                requestVersion(ctx, IetfVersion.V6).putComplete(ctx, true);
                throw new Problem(ErrorCode.OFFSET_MISMATCH, "this upload is complete already; its job is " + done.id());
            }
            ResumableUpload u = found.get();
            IetfVersion version = versionOf(ctx, u);
            String type = ctx.header("Content-Type");
            if (version == IetfVersion.V6 && type != null && !type.strip().toLowerCase(java.util.Locale.ROOT).startsWith(PARTIAL_UPLOAD)) {
                throw new Problem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "an append must be sent as " + PARTIAL_UPLOAD + ", not " + type);
            }
            long offset = UploadHeaders.requireCount("Upload-Offset", ctx.header("Upload-Offset"));
            boolean complete = version.complete(ctx).orElseThrow(() -> new Problem(ErrorCode.INVALID_UPLOAD_HEADER,
                    "an append needs Upload-Complete: ?1 (the rest of the upload) or ?0 (more follows)"));
            long declared = ctx.req().getContentLengthLong();
            try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
                OptionalLong announced = UploadHeaders.count("Upload-Length", ctx.header("Upload-Length"));
                if (announced.isPresent()) {
                    u = uploads.announceLength(u, announced.getAsLong());
                } else if (complete && declared >= 0 && u.uploadLength().isEmpty()) {
                    u = uploads.announceLength(u, offset + declared);
                }
                PartialStore.Appended appended;
                try {
                    appended = uploads.append(u, offset, new RequestBody(ctx), declared, Optional.empty());
                } catch (OffsetMismatch m) {
                    ctx.header("Upload-Offset", String.valueOf(m.offset()));
                    version.putComplete(ctx, false);
                    throw m;
                }
                if (appended.cutShort()) {
                    throw cutShort(appended);
                }
                if (complete) {
                    answerFinished(ctx, version, uploads.finish(u, device));
                } else {
                    answerIncomplete(ctx, version, u, appended.offset(), 204);
                }
            }
        } finally {
            gate.leave();
        }
    }

    public void delete(Context ctx) {
        Device device = auth.device(ctx);
        String id = ctx.pathParam("id");
        ResumableUpload u = uploads.find(device, id).orElseThrow(() -> notFound(id));
        try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
            uploads.cancel(u);
        }
        ctx.status(204);
    }

    private void answerFinished(Context ctx, IetfVersion version, ResumableUploads.Finished finished) {
        version.putComplete(ctx, true);
        ctx.header("Upload-Offset", String.valueOf(finished.job().size()));
        ctx.status(finished.status()).header("Location", "/v1/jobs/" + finished.job().id()).json(JobView.of(finished.job()));
    }

    private void answerIncomplete(Context ctx, IetfVersion version, ResumableUpload u, long offset, int status) {
        version.putComplete(ctx, false);
        ctx.header("Upload-Offset", String.valueOf(offset));
        ctx.header("Location", PATH + u.id());
        if (status == 204) {
            ctx.status(204);
        } else {
            ctx.status(status).json(Map.of("upload", PATH + u.id(), "offset", offset, "complete", false));
        }
    }

    private static Problem cutShort(PartialStore.Appended appended) {
        return new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "the body broke off after " + appended.received()
                + " bytes; the upload keeps them and continues at offset " + appended.offset());
    }

    private String limit() {
        return "max-size=" + uploads.maxUploadBytes();
    }

    private static IetfVersion versionOf(Context ctx, ResumableUpload u) {
        return requestVersion(ctx, IetfVersion.ofProtocol(u.protocol()).orElse(IetfVersion.V6));
    }

    private static IetfVersion requestVersion(Context ctx, IetfVersion fallback) {
        return IetfVersion.of(ctx.header(IetfVersion.HEADER)).orElse(fallback);
    }

    static Problem notFound(String id) {
        return new Problem(ErrorCode.UPLOAD_NOT_FOUND, "no unfinished upload " + UploadKey.printable(id) + " for this device");
    }
}
