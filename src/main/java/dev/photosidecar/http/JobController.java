package dev.photosidecar.http;

import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobPage;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.Transition;
import dev.photosidecar.spool.Spool;
import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** The job calls: status, listing, acknowledge, retry, cancel, and the key check. */
public final class JobController {
    static final int DEFAULT_LIMIT = 50;
    static final int MAX_LIMIT = 500;

    private final BearerAuth auth;
    private final JobLedger ledger;
    private final Spool spool;
    private final Runnable newJobSignal;
    private final DeliveryTarget target;

    public JobController(BearerAuth auth, JobLedger ledger, Spool spool, Runnable newJobSignal, DeliveryTarget target) {
        this.target = target;
        this.auth = auth;
        this.ledger = ledger;
        this.spool = spool;
        this.newJobSignal = newJobSignal;
    }

    public void get(Context ctx) {
        Device device = auth.device(ctx);
        String id = ctx.pathParam("id");
        Job job = ledger.findForDevice(device.id(), id)
                .orElseThrow(() -> new Problem(ErrorCode.JOB_NOT_FOUND, "no such job: " + UploadKey.printable(id)));
        ctx.json(JobView.of(job));
    }

    public void getByKey(Context ctx) {
        Device device = auth.device(ctx);
        String key = UploadKey.require(ctx.pathParam("key"));
        Job job = ledger.findByKey(device.id(), key)
                .orElseThrow(() -> new Problem(ErrorCode.UPLOAD_NOT_FOUND, "no upload with key " + key));
        ctx.json(JobView.of(job));
    }

    public void list(Context ctx) {
        Device device = auth.device(ctx);
        Optional<JobState> state = Optional.ofNullable(ctx.queryParam("state")).map(s -> JobState.fromWire(s)
                .orElseThrow(() -> new Problem(ErrorCode.INVALID_PARAMETER, "state '" + UploadKey.printable(s)
                        + "' is unknown; use one of receiving, pending, delivering, succeeded, failed, acknowledged, cancelled")));
        int limit = Optional.ofNullable(ctx.queryParam("limit")).map(JobController::parseLimit).orElse(DEFAULT_LIMIT);
        Optional<Long> before = Optional.ofNullable(ctx.queryParam("cursor")).map(JobController::decodeCursor);
        JobPage page = ledger.listForDevice(device.id(), state, limit, before);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("jobs", page.jobs().stream().map(JobView::of).toList());
        body.put("nextCursor", page.nextBeforeSeq().map(JobController::encodeCursor).orElse(null));
        ctx.json(body);
    }

    public void acknowledge(Context ctx) {
        Device device = auth.device(ctx);
        List<Job> done = ledger.acknowledge(device.id(), List.of(ctx.pathParam("id"))).stream().map(Transition::job).toList();
        done.forEach(this::acknowledged);
        ctx.json(JobView.of(done.get(0)));
    }

    public void acknowledgeMany(Context ctx) {
        Device device = auth.device(ctx);
        List<String> ids = JsonBodies.stringList(ctx, "ids");
        List<Job> done = ledger.acknowledge(device.id(), ids).stream().map(Transition::job).toList();
        done.forEach(this::acknowledged);
        ctx.json(Map.of("jobs", done.stream().map(JobView::of).toList()));
    }

    private void acknowledged(Job job) {
        spool.remove(job.id());
    }

    public void retry(Context ctx) {
        Device device = auth.device(ctx);
        Job job = ledger.retry(device.id(), ctx.pathParam("id")).job();
        newJobSignal.run();
        ctx.json(JobView.of(job));
    }

    public void cancel(Context ctx) {
        Device device = auth.device(ctx);
        Job job = ledger.cancel(device.id(), ctx.pathParam("id")).job();
        spool.remove(job.id());
        // A half-done chunked upload on the host is removed in the background: the host may be slow or away.
        CompletableFuture.runAsync(() -> target.discard(job));
        ctx.json(JobView.of(job));
    }

    public void check(Context ctx) {
        Device device = auth.device(ctx);
        List<String> keys = JsonBodies.stringList(ctx, "keys");
        keys.forEach(UploadKey::require);
        Map<String, String> known = new LinkedHashMap<>();
        ledger.knownKeys(device.id(), keys).forEach((k, s) -> known.put(k, s.wire()));
        ctx.json(Map.of("known", known));
    }

    private static int parseLimit(String text) {
        try {
            int n = Integer.parseInt(text);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new Problem(ErrorCode.INVALID_PARAMETER, "limit '" + UploadKey.printable(text) + "' must be a number from 1 to " + MAX_LIMIT);
    }

    /** Cursors are opaque to clients; inside, the arrival sequence of the last job on the page. */
    private static String encodeCursor(long seq) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(("s" + seq).getBytes(StandardCharsets.US_ASCII));
    }

    private static long decodeCursor(String cursor) {
        try {
            String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.US_ASCII);
            if (text.startsWith("s")) {
                long seq = Long.parseLong(text.substring(1));
                if (seq > 0) {
                    return seq;
                }
            }
        } catch (IllegalArgumentException ignored) {
            // reported below
        }
        throw new Problem(ErrorCode.INVALID_PARAMETER, "cursor '" + UploadKey.printable(cursor)
                + "' is not one this server gave out; start again without it");
    }
}
