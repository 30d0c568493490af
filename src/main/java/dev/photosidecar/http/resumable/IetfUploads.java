package dev.photosidecar.http.resumable;

import dev.photosidecar.http.BearerAuth;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.JobView;
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
import dev.photosidecar.spool.Sha256;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The IETF "Resumable Uploads for HTTP" draft, interop versions 3 to 8 ({@link IetfVersion}), as iOS's
 * URLSession speaks it.
 *
 * <ul>
 * <li>Creation: a {@code PUT|POST /v1/uploads/{key}} with {@code Upload-Draft-Interop-Version} (and, from
 * version 4, {@code Upload-Complete}) gets {@code 104 Upload Resumption Supported} with the upload's
 * {@code Location: /v1/resumable/{id}} before its body is read. Any other request to that route is a plain
 * upload, which refuses a request that says more will follow ({@link #plainUploadRules}).</li>
 * <li>{@code HEAD /v1/resumable/{id}}: the durable offset and whether the upload is complete.</li>
 * <li>{@code PATCH /v1/resumable/{id}}: appends at {@code Upload-Offset}; another offset is 409 with the
 * true one.</li>
 * <li>{@code DELETE /v1/resumable/{id}}: cancels.</li>
 * <li>{@code OPTIONS}: {@code Upload-Limit}, or 501 when resumable uploads are switched off.</li>
 * </ul>
 * Every call but OPTIONS needs the creating device's token: another device's upload is a 404.
 */
public final class IetfUploads {
    private static final Logger log = LoggerFactory.getLogger(IetfUploads.class);
    static final String PATH = "/v1/resumable/";
    private static final String PARTIAL_UPLOAD = "application/partial-upload";
    private static final String PROBLEM_TYPES = "https://iana.org/assignments/http-problem-types#";

    private final ResumableUploads uploads;
    private final UploadGate gate;
    private final BearerAuth auth;

    public IetfUploads(ResumableUploads uploads, UploadGate gate, BearerAuth auth) {
        this.uploads = uploads;
        this.gate = gate;
        this.auth = auth;
    }

    /**
     * Whether a {@code PUT|POST /v1/uploads/{key}} creates a resumable upload: resumable uploads are on, the
     * request names an interop version this server speaks, and (from version 4) says {@code Upload-Complete}.
     */
    public boolean isCreation(Context ctx) {
        return uploads.acceptsNew() && IetfVersion.of(ctx.header(IetfVersion.HEADER)).map(v -> v.asksForResumption(ctx)).orElse(false);
    }

    /**
     * What a plain upload may not be: a request that says more will follow ({@code Upload-Complete: ?0} or
     * {@code Upload-Incomplete: ?1}) is refused before its body is read, because a part must never become a
     * finished job. Returns the {@code Upload-Length} the request announces, which the body must then have.
     */
    public OptionalLong plainUploadRules(Context ctx) {
        boolean moreFollows = UploadHeaders.bool("Upload-Complete", ctx.header("Upload-Complete")).map(b -> !b).orElse(false)
                || UploadHeaders.bool("Upload-Incomplete", ctx.header("Upload-Incomplete")).orElse(false);
        if (moreFollows) {
            throw new Problem(ErrorCode.PARTIAL_UPLOAD_REFUSED, "this request says more will follow, but " + whyNotResumable(ctx)
                    + "; a part is never taken as the whole file, so nothing was kept: send the whole file in one request");
        }
        OptionalLong length = UploadHeaders.count("Upload-Length", ctx.header("Upload-Length"));
        if (length.isPresent() && length.getAsLong() > uploads.maxUploadBytes()) {
            throw new Problem(ErrorCode.UPLOAD_TOO_LARGE, "the upload is larger than the maximum of " + uploads.maxUploadBytes() + " bytes");
        }
        return length;
    }

    private String whyNotResumable(Context ctx) {
        if (!uploads.acceptsNew()) {
            return "resumable uploads are switched off on this sidecar (SIDECAR_RESUMABLE=off)";
        }
        String asked = ctx.header(IetfVersion.HEADER);
        if (asked == null) {
            return "it names no Upload-Draft-Interop-Version, and this sidecar makes resumable uploads for interop versions "
                    + IetfVersion.spoken() + " only";
        }
        Optional<IetfVersion> v = IetfVersion.of(asked);
        if (v.isEmpty()) {
            return "this sidecar does not speak interop version " + UploadKey.printable(asked.strip()) + " (it speaks "
                    + IetfVersion.spoken() + ")";
        }
        return "interop version " + v.get().wire() + " says so with " + v.get().completeHeader() + ": "
                + v.get().completeValue(false) + ", which the request does not send";
    }

    /** OPTIONS on the upload URLs: the limits, no token needed; 501 when resumable uploads are switched off. */
    public void options(Context ctx) {
        if (!uploads.acceptsNew()) {
            throw switchedOff();
        }
        boolean minSize = IetfVersion.of(ctx.header(IetfVersion.HEADER)).map(IetfVersion::announcesMinSize).orElse(false);
        ctx.header("Upload-Limit", "max-size=" + uploads.maxUploadBytes() + (minSize ? ", min-size=0" : ""));
        ctx.header("Accept-Patch", PARTIAL_UPLOAD);
        ctx.header("Allow", ctx.path().startsWith(PATH) ? "HEAD, PATCH, DELETE, OPTIONS" : "PUT, POST, GET, OPTIONS");
        ctx.status(200);
    }

    static Problem switchedOff() {
        return new Problem(ErrorCode.RESUMABLE_DISABLED,
                "resumable uploads are switched off on this sidecar (SIDECAR_RESUMABLE=off): send the whole file in one request");
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
                    throw inconsistentLength("Upload-Length " + length.getAsLong() + " differs from the Content-Length "
                            + declared + " of a request that completes the upload");
                }
                length = OptionalLong.of(declared);
            }
            uploads.checkRoom(declared);
            ResumableUpload u = uploads.create(device, key, meta, version.protocol(), length, meta.sha256().map(Sha256::hex));
            try (UploadLocks.Held held = uploads.locks.hold(u.id())) {
                Map<String, String> interim = new LinkedHashMap<>();
                interim.put("Location", PATH + u.id());
                interim.put(IetfVersion.HEADER, version.wire());
                if (version.hasLimits()) {
                    interim.put("Upload-Limit", limit(version));
                }
                InterimResponse.send(ctx, 104, "Upload Resumption Supported", interim);
                PartialStore.Appended appended;
                try {
                    appended = uploads.append(u, 0, new RequestBody(ctx), declared, Optional.empty());
                } catch (RuntimeException e) {
                    if (StorageErrors.isSidecarFault(e)) {
                        keepForResumption(ctx, u, e);
                        return;
                    }
                    uploads.refusedAtCreation(u, e);
                    throw e;
                }
                ctx.header("Location", PATH + u.id());
                answerAppended(ctx, version, u, device, appended, complete, 201);
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
            // A client that missed the final answer learns its outcome here, as it would have from that answer.
            UploadReceipt.put(ctx, done);
            ctx.status(204);
            return;
        }
        ResumableUpload u = found.get();
        IetfVersion version = versionOf(ctx, u);
        uploads.touch(u);
        ctx.header("Upload-Offset", String.valueOf(uploads.offset(u)));
        u.uploadLength().ifPresent(n -> ctx.header("Upload-Length", String.valueOf(n)));
        if (version.hasLimits()) {
            ctx.header("Upload-Limit", limit(version));
        }
        version.putComplete(ctx, false);
        ctx.status(204);
    }

    public void patch(Context ctx) throws IOException {
        IetfVersion asked = requestVersion(ctx, IetfVersion.V6);
        gate.enter();
        try {
            Device device = auth.device(ctx);
            String id = ctx.pathParam("id");
            Optional<ResumableUpload> found = uploads.find(device, id);
            if (found.isEmpty()) {
                Job done = uploads.finishedJob(device, id).orElseThrow(() -> notFound(id));
                appendToCompleted(ctx, asked, done);
                return;
            }
            appendTo(ctx, versionOf(ctx, found.get()), found.get(), device);
        } catch (RuntimeException e) {
            // From version 7 an answer to an append always says whether the upload is complete, errors included.
            if (StorageErrors.answerFor(e).isPresent() && asked.completeOnEveryAppendAnswer()
                    && !ctx.res().containsHeader(asked.completeHeader())) {
                asked.putComplete(ctx, false);
            }
            throw e;
        } finally {
            gate.leave();
        }
    }

    private void appendTo(Context ctx, IetfVersion version, ResumableUpload found, Device device) {
        String type = ctx.header("Content-Type");
        if (version.wantsPartialUploadType() && type != null && !type.strip().toLowerCase(Locale.ROOT).startsWith(PARTIAL_UPLOAD)) {
            throw new Problem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, "an append must be sent as " + PARTIAL_UPLOAD + ", not " + type);
        }
        long offset = UploadHeaders.requireCount("Upload-Offset", ctx.header("Upload-Offset"));
        boolean complete = version.complete(ctx).orElseThrow(() -> new Problem(ErrorCode.INVALID_UPLOAD_HEADER,
                "an append needs Upload-Complete: ?1 (the rest of the upload) or ?0 (more follows)"));
        long declared = ctx.req().getContentLengthLong();
        try (UploadLocks.Held held = uploads.locks.hold(found.id())) {
            ResumableUpload u = found;
            OptionalLong announced = UploadHeaders.count("Upload-Length", ctx.header("Upload-Length"));
            // "?1 with a Content-Length" also names the length; it counts only at the right offset (else: 409 below).
            OptionalLong implied = complete && declared >= 0 && offset == uploads.offset(u)
                    ? OptionalLong.of(offset + declared) : OptionalLong.empty();
            if (announced.isPresent() && implied.isPresent() && announced.getAsLong() != implied.getAsLong()) {
                throw inconsistentLength("Upload-Length " + announced.getAsLong() + " differs from the " + implied.getAsLong()
                        + " bytes this request completes the upload with");
            }
            OptionalLong length = announced.isPresent() ? announced : implied;
            if (length.isPresent()) {
                u = uploads.announceLength(u, length.getAsLong());
            }
            RequestBody body = new RequestBody(ctx);
            PartialStore.Appended appended;
            try {
                appended = uploads.append(u, offset, body, declared, Optional.empty());
            } catch (OffsetMismatch m) {
                ctx.header("Upload-Offset", String.valueOf(m.offset()));
                version.putComplete(ctx, false);
                throw m;
            } catch (RuntimeException e) {
                if (StorageErrors.isSidecarFault(e) && body.bytesRead() > 0) {
                    keepForResumption(ctx, u, e);
                    return;
                }
                throw e;
            }
            answerAppended(ctx, version, u, device, appended, complete, 204);
        }
    }

    /**
     * An append to an upload that is finished already (the client missed the answer, or never said {@code ?1}
     * because the upload finished on reaching its announced length). An empty {@code ?1} at the final offset
     * completes what is complete: the same answer again. Anything else is refused, with the job's receipt.
     */
    private void appendToCompleted(Context ctx, IetfVersion version, Job done) {
        long offset = UploadHeaders.requireCount("Upload-Offset", ctx.header("Upload-Offset"));
        boolean complete = version.complete(ctx).orElse(false);
        ctx.header("Upload-Offset", String.valueOf(done.size()));
        version.putComplete(ctx, true);
        UploadReceipt.put(ctx, done);
        if (complete && offset == done.size() && ctx.req().getContentLengthLong() == 0) {
            ctx.status(200).json(JobView.of(done));
            return;
        }
        if (offset != done.size() || !version.refusesAppendToCompletedUpload()) {
            throw new Problem(ErrorCode.OFFSET_MISMATCH, "this upload is complete already, at offset " + done.size()
                    + "; its job is " + done.id(), Map.of("problemType", PROBLEM_TYPES + "mismatching-upload-offset",
                    "expectedOffset", done.size(), "providedOffset", offset));
        }
        throw new Problem(ErrorCode.UPLOAD_ALREADY_COMPLETE, "this upload is complete already; nothing can be appended to it."
                + " Its job is " + done.id(), Map.of("problemType", PROBLEM_TYPES + "completed-upload"));
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

    /** After an append: the upload finished (the client says so, or it reached its announced length), or not yet. */
    private void answerAppended(Context ctx, IetfVersion version, ResumableUpload u, Device device, PartialStore.Appended appended,
                                boolean complete, int incompleteStatus) {
        if (appended.cutShort()) {
            throw cutShort(appended);
        }
        if (complete || ResumableUploads.reachedAnnouncedLength(u, appended)) {
            finishAndAnswer(ctx, version, u, device);
        } else {
            answerIncomplete(ctx, version, u, appended.offset(), incompleteStatus);
        }
    }

    /**
     * The client says (or the announced length shows) the upload is complete: it becomes a job, a replay or a
     * conflict, answered like a plain upload of the same bytes, with {@code Upload-Complete} true.
     */
    private void finishAndAnswer(Context ctx, IetfVersion version, ResumableUpload u, Device device) {
        ResumableUploads.Finished finished;
        try {
            finished = uploads.finish(u, device);
        } catch (RuntimeException e) {
            if (StorageErrors.isSidecarFault(e)) {
                keepForResumption(ctx, u, e);
                return;
            }
            // The upload is complete; what failed is what the sidecar made of it (a conflict, a digest).
            version.putComplete(ctx, true);
            throw e;
        }
        version.putComplete(ctx, true);
        ctx.header("Upload-Offset", String.valueOf(finished.job().size()));
        UploadReceipt.put(ctx, finished.job());
        ctx.status(finished.status()).json(JobView.of(finished.job()));
    }

    private void answerIncomplete(Context ctx, IetfVersion version, ResumableUpload u, long offset, int status) {
        version.putComplete(ctx, false);
        ctx.header("Upload-Offset", String.valueOf(offset));
        ctx.header("Location", PATH + u.id());
        if (status == 204) {
            ctx.status(204);
            return;
        }
        if (version.hasLimits()) {
            ctx.header("Upload-Limit", limit(version));
        }
        ctx.status(status).json(Map.of("upload", PATH + u.id(), "offset", offset, "complete", false));
    }

    /**
     * A failure on the sidecar's side (out of space, an I/O or ledger error) in the middle of an upload the client
     * may resume: the bytes that reached the disk stay (the offset is what is durable), and the connection is
     * dropped instead of answered, because URLSession resumes after a dropped connection but not after a 5xx.
     */
    private void keepForResumption(Context ctx, ResumableUpload u, RuntimeException failure) {
        String offset;
        try {
            offset = String.valueOf(uploads.offset(u));
        } catch (RuntimeException e) {
            offset = "(unknown: " + e.getMessage() + ")";
        }
        Optional<Problem> answer = StorageErrors.answerFor(failure);
        String what = answer.map(p -> p.code().name()).orElseGet(failure::toString);
        if (answer.isPresent()) {
            log.warn("Resumable upload {} (key {}): {}; its {} durable bytes are kept and the connection is dropped, so that"
                    + " the client resumes from there", u.id(), u.key(), what, offset);
        } else {
            log.error("Resumable upload {} (key {}) failed on the sidecar's side; its {} durable bytes are kept and the"
                    + " connection is dropped, so that the client resumes from there", u.id(), u.key(), offset, failure);
        }
        ConnectionDrop.now(ctx, what);
    }

    /** {@code Upload-Limit}: the size limit, and from version 6 the upload's remaining lifetime (just renewed). */
    private String limit(IetfVersion version) {
        String limit = "max-size=" + uploads.maxUploadBytes();
        return version.lifetimeKey().map(k -> limit + ", " + k + "=" + uploads.expiry().toSeconds()).orElse(limit);
    }

    private static Problem cutShort(PartialStore.Appended appended) {
        return new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "the body broke off after " + appended.received()
                + " bytes; the upload keeps them and continues at offset " + appended.offset());
    }

    private static Problem inconsistentLength(String message) {
        return new Problem(ErrorCode.INVALID_UPLOAD_HEADER, message, Map.of("problemType", PROBLEM_TYPES + "inconsistent-upload-length"));
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
