package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DuplicateKeyException;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.spool.SpoolException;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code PUT|POST /v1/uploads/{key}}: takes the raw body into the spool and records its job. A 2xx goes
 * out only after the bytes are fsynced in place and the job row is committed; anything that fails before
 * that leaves neither file nor row behind.
 */
final class UploadController {
    private static final Logger log = LoggerFactory.getLogger(UploadController.class);

    private final UploadGate gate;
    private final BearerAuth auth;
    private final JobLedger ledger;
    private final Spool spool;
    private final Runnable newJobSignal;
    private final SidecarMetrics metrics;
    private final java.util.function.Consumer<Job> supersedeReceiving;
    private final java.util.function.Function<Context, java.util.OptionalLong> partialUploadRules;

    /**
     * @param supersedeReceiving what to do when a whole body arrives for a key whose resumable upload is unfinished
     *                           (remove that upload)
     * @param partialUploadRules what a plain upload must not be: a request that says more will follow is refused, and
     *                           the {@code Upload-Length} it announces (if any) is returned, to be held against the
     *                           bytes that arrive
     */
    UploadController(UploadGate gate, BearerAuth auth, JobLedger ledger, Spool spool, Runnable newJobSignal,
                     SidecarMetrics metrics, java.util.function.Consumer<Job> supersedeReceiving,
                     java.util.function.Function<Context, java.util.OptionalLong> partialUploadRules) {
        this.metrics = metrics;
        this.gate = gate;
        this.auth = auth;
        this.ledger = ledger;
        this.spool = spool;
        this.newJobSignal = newJobSignal;
        this.supersedeReceiving = supersedeReceiving;
        this.partialUploadRules = partialUploadRules;
    }

    void upload(Context ctx) throws IOException {
        try {
            receive(ctx);
        } catch (Problem | SpoolException refused) {
            metrics.uploadRefused(StorageErrors.answerFor(refused).orElseThrow().code());
            throw refused;
        }
    }

    private void receive(Context ctx) throws IOException {
        gate.enter();
        try {
            Device device = auth.device(ctx);
            String key = UploadKey.require(ctx.pathParam("key"));
            UploadMetadata meta = UploadMetadata.parse(key, ctx::header);
            java.util.OptionalLong announced = partialUploadRules.apply(ctx);
            // The body is read straight from the servlet stream: never buffered, never parsed as a form.
            long declared = ctx.req().getContentLengthLong();
            if (announced.isPresent() && declared >= 0 && announced.getAsLong() != declared) {
                throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "Upload-Length announces " + announced.getAsLong()
                        + " bytes but the body has " + declared + " (Content-Length); a part is never taken as the whole file, nothing was kept");
            }
            ReceivedUpload body = spool.receive(ctx.req().getInputStream(), declared, meta.sha256());
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
            try {
                auth.requireStillActive(device);
            } catch (Problem revoked) {
                body.discard();
                throw revoked;
            }
            Optional<Job> existing = ledger.findByKey(device.id(), key);
            if (existing.isPresent() && existing.get().state() == JobState.RECEIVING) {
                // The whole body wins over an unfinished resumable upload of the same key.
                try {
                    supersedeReceiving.accept(existing.get());
                } catch (RuntimeException e) {
                    body.discard();
                    throw e;
                }
                existing = ledger.findByKey(device.id(), key);
            }
            if (existing.isPresent()) {
                Job known = existing.get();
                if (known.state() == JobState.FAILED && known.sameContent(body.size(), body.sha256())) {
                    // The device sends a failed upload again: take the fresh bytes and try once more.
                    spool.commit(body, known.id());
                    Optional<Job> revived = ledger.reviveFailed(device.id(), known.id());
                    if (revived.isPresent()) {
                        newJobSignal.run();
                        UploadReceipt.put(ctx, revived.get());
                        ctx.status(200).json(JobView.of(revived.get()));
                        return;
                    }
                } else {
                    body.discard();
                }
                answerRepeat(ctx, ledger.findByKey(device.id(), key).orElse(known), body);
                return;
            }
            String jobId = Ids.jobId();
            spool.commit(body, jobId);
            Job job;
            try {
                job = ledger.insert(new NewJob(jobId, device.id(), device.userId(), key, meta.filename(), meta.resourceType(),
                        meta.assetId(), meta.contentType(), body.size(), body.sha256(), meta.createdAt()));
            } catch (DuplicateKeyException raced) {
                spool.remove(jobId);
                answerRepeat(ctx, ledger.findByKey(device.id(), key).orElseThrow(), body);
                return;
            } catch (RuntimeException e) {
                spool.remove(jobId);
                throw e;
            }
            newJobSignal.run();
            metrics.uploadAnswered("created", job.size());
            UploadReceipt.put(ctx, job);
            ctx.status(201).json(JobView.of(job));
        } finally {
            gate.leave();
        }
    }

    /** The key is known: the same bytes again are a replay (200, nothing stored), other bytes a conflict. */
    private void answerRepeat(Context ctx, Job existing, ReceivedUpload body) {
        if (existing.sameContent(body.size(), body.sha256())) {
            metrics.uploadAnswered("replay", 0);
            UploadReceipt.put(ctx, existing);
            ctx.status(200).json(JobView.of(existing));
            return;
        }
        throw new KeyConflict(existing);
    }
}
