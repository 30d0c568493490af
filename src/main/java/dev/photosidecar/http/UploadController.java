package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.intake.Decision;
import dev.photosidecar.intake.Intake;
import dev.photosidecar.intake.UnfinishedUpload;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import io.javalin.http.Context;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT|POST /v1/uploads/{key}}: takes the raw body into the spool and records its job. A 2xx goes
 * out only after the bytes are fsynced in place and the job row is committed; anything that fails before
 * that leaves neither file nor row behind.
 */
public final class UploadController {
    private static final Logger log = LoggerFactory.getLogger(UploadController.class);

    private final UploadGate gate;
    private final BearerAuth auth;
    private final Spool spool;
    private final Intake intake;
    private final SidecarMetrics metrics;
    private final UnfinishedUpload supersedeReceiving;
    private final java.util.function.Function<Context, java.util.OptionalLong> partialUploadRules;

    /**
     * @param supersedeReceiving what to do when a whole body arrives for a key whose resumable upload is unfinished
     *                           (remove that upload)
     * @param partialUploadRules what a plain upload must not be: a request that says more will follow is refused, and
     *                           the {@code Upload-Length} it announces (if any) is returned, to be held against the
     *                           bytes that arrive
     */
    public UploadController(UploadGate gate, BearerAuth auth, Spool spool, Intake intake,
                     SidecarMetrics metrics, UnfinishedUpload supersedeReceiving,
                     java.util.function.Function<Context, java.util.OptionalLong> partialUploadRules) {
        this.metrics = metrics;
        this.gate = gate;
        this.auth = auth;
        this.spool = spool;
        this.intake = intake;
        this.supersedeReceiving = supersedeReceiving;
        this.partialUploadRules = partialUploadRules;
    }

    public void upload(Context ctx) throws IOException {
        try {
            receive(ctx);
        } catch (RuntimeException e) {
            StorageErrors.answerFor(e).ifPresent(refused -> metrics.uploadRefused(refused.code()));
            throw e;
        }
    }

    private void receive(Context ctx) throws IOException {
        gate.enter();
        try {
            Device device = auth.device(ctx);
            String key = UploadKey.require(ctx.pathParam("key"));
            UploadMetadata meta = UploadMetadata.parse(key, ctx::header);
            java.util.OptionalLong announced = partialUploadRules.apply(ctx);
            // The body is read straight from Jetty's buffers: never held whole, never parsed as a form.
            long declared = ctx.req().getContentLengthLong();
            if (announced.isPresent() && declared >= 0 && announced.getAsLong() != declared) {
                throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "Upload-Length announces " + announced.getAsLong()
                        + " bytes but the body has " + declared + " (Content-Length); a part is never taken as the whole file, nothing was kept");
            }
            ReceivedUpload body = spool.receive(RequestPieces.of(ctx), declared, meta.sha256());
            if (declared >= 0 && SurplusBytes.present(ctx)) {
                body.discard();
                ctx.header("Connection", "close");
                throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH,
                        "more bytes followed the " + declared + " that Content-Length announced; nothing was kept");
            }
            if (announced.isPresent() && body.size() != announced.getAsLong()) {
                body.discard();
                throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "Upload-Length announces " + announced.getAsLong()
                        + " bytes but the body had " + body.size() + "; a part is never taken as the whole file, nothing was kept");
            }
            NewJob candidate = new NewJob(Ids.jobId(), device.id(), device.userId(), key, meta.filename(),
                    meta.resourceType(), meta.assetId(), meta.contentType(), body.size(), body.sha256(), meta.createdAt());
            // The whole body wins over an unfinished resumable upload of the same key. A device revoked while the
            // body arrived is refused there, in the ledger's insert, and nothing is kept.
            Decision taken = intake.take(candidate, body, supersedeReceiving);
            Job job = taken.job();
            switch (taken.kind()) {
                case CREATED -> metrics.uploadAnswered("created", job.size());
                case REPLAYED -> metrics.uploadAnswered("replay", 0);
                case REVIVED -> { }
            }
            UploadReceipt.put(ctx, job);
            ctx.status(taken.kind() == Decision.Kind.CREATED ? 201 : 200).json(JobView.of(job));
        } finally {
            gate.leave();
        }
    }
}
