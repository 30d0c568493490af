package dev.photosidecar.http;

import dev.photosidecar.ledger.Job;
import io.javalin.http.Context;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The outcome of an upload in response headers, for apps that can read a job's headers but never its body
 * (iOS 26.4+): where the job is, its state and size, and the SHA-256 of the bytes the sidecar stored as an
 * RFC 9530 {@code Repr-Digest}. Sent on every answer to an upload that names a job: 201, a 200 replay, a 409
 * conflict (the job that holds the key) and the last append of a resumable upload.
 */
public final class UploadReceipt {
    public static final String JOB_ID = "X-Job-Id";
    public static final String JOB_STATE = "X-Job-State";
    public static final String JOB_SIZE = "X-Job-Size";

    private UploadReceipt() {
    }

    /** The receipt with {@code Location: /v1/jobs/{id}}. */
    public static void put(Context ctx, Job job) {
        ctx.header("Location", "/v1/jobs/" + job.id());
        putWithoutLocation(ctx, job);
    }

    /** The receipt for an answer whose {@code Location} must keep naming something else (a tus upload's URL). */
    public static void putWithoutLocation(Context ctx, Job job) {
        ctx.header(JOB_ID, job.id());
        ctx.header(JOB_STATE, job.state().wire());
        ctx.header(JOB_SIZE, String.valueOf(job.size()));
        if (job.sha256() != null) {
            ctx.header("Repr-Digest", reprDigest(job.sha256()));
        }
    }

    /** {@code sha-256=:BASE64:} of a lower-case hex SHA-256. */
    static String reprDigest(String sha256Hex) {
        return "sha-256=:" + Base64.getEncoder().encodeToString(HexFormat.of().parseHex(sha256Hex)) + ":";
    }
}
