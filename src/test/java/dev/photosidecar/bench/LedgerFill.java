package dev.photosidecar.bench;

import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.support.TestSidecar;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.jdbi.v3.core.statement.PreparedBatch;

/**
 * Fills a running sidecar's ledger with {@code jobs} realistic rows through the real schema, in one
 * transaction: {@code devices} devices of {@code devices / 2} users, and a history shaped like a long-running
 * server's. Most rows are acknowledged history; 15 % wait in {@code pending} for a retry later today (a
 * backlog, so the claim's index has work); 10 % are {@code succeeded}, 5 % {@code cancelled}; and every
 * device has {@link #FAILED_PER_DEVICE} {@code failed} jobs spread over its history, whatever the ledger's
 * size, because failed jobs are what a device acknowledges, not what piles up.
 */
final class LedgerFill {
    static final int FAILED_PER_DEVICE = 20;

    record Filled(List<String> tokens, List<List<String>> jobIds) {
    }

    private LedgerFill() {
    }

    static Filled fill(TestSidecar sidecar, int jobs, int devices, long nowMillis) {
        List<String> tokens = new ArrayList<>();
        List<String> deviceIds = new ArrayList<>();
        List<String> userIds = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            String user = "user" + (d / 2);
            var enrolled = sidecar.app().devices().add(user, "phone " + d);
            tokens.add(enrolled.token());
            deviceIds.add(enrolled.device().id());
            userIds.add(user);
        }
        List<List<String>> ids = new ArrayList<>();
        for (int d = 0; d < devices; d++) {
            ids.add(new ArrayList<>());
        }
        int perDevice = jobs / devices;
        int failedEvery = Math.max(1, perDevice / FAILED_PER_DEVICE);
        SplittableRandom random = new SplittableRandom(42);
        ((SqliteJobLedger) sidecar.app().ledger()).withHandle(h -> h.inTransaction(tx -> {
            PreparedBatch batch = tx.prepareBatch("""
                    INSERT INTO jobs (id, device_id, user_id, upload_key, state, filename, resource_type, asset_id,
                                      content_type, size, sha256, created_at, received_at, attempts, next_attempt_at,
                                      last_error, remote_path, remote_etag, delivered_at, finalized_at)
                    VALUES (:id, :device, :user, :key, :state, :filename, 'photo', :asset, 'image/heic', :size, :sha,
                            :created, :received, :attempts, :next, :error, :remote, :etag, :delivered, :finalized)""");
            for (int i = 0; i < jobs; i++) {
                int d = i % devices;
                int j = i / devices;
                long received = nowMillis - (long) (jobs - i) * 60_000L; // one a minute, oldest first
                String state;
                if (j % failedEvery == failedEvery - 1 && j / failedEvery < FAILED_PER_DEVICE) {
                    state = "failed";
                } else {
                    int bucket = i % 20;
                    state = bucket < 3 ? "pending" : bucket < 5 ? "succeeded" : bucket < 6 ? "cancelled" : "acknowledged";
                }
                boolean delivered = state.equals("succeeded") || state.equals("acknowledged");
                String id = Ids.jobId();
                ids.get(d).add(id);
                batch.bind("id", id)
                        .bind("device", deviceIds.get(d))
                        .bind("user", userIds.get(d))
                        .bind("key", "asset-" + i + "-photo")
                        .bind("state", state)
                        .bind("filename", String.format("IMG_%06d.HEIC", i))
                        .bind("asset", "asset-" + i)
                        .bind("size", 1_000_000 + random.nextInt(4_000_000))
                        .bind("sha", String.format("%064x", i))
                        .bind("created", received - 3_600_000L)
                        .bind("received", received)
                        .bind("attempts", state.equals("pending") ? 1 + random.nextInt(3) : 1)
                        .bind("next", state.equals("pending") ? nowMillis + 3_600_000L + random.nextInt(80_000_000) : null)
                        .bind("error", state.equals("failed") || state.equals("pending") ? "host answered 500" : null)
                        .bind("remote", delivered ? String.format("Photos/2026/11/IMG_%06d.HEIC", i) : null)
                        .bind("etag", delivered ? "\"etag-" + i + "\"" : null)
                        .bind("delivered", delivered ? received + 2_000 : null)
                        .bind("finalized", state.equals("acknowledged") || state.equals("cancelled") ? received + 60_000 : null)
                        .add();
            }
            batch.execute();
            return null;
        }));
        return new Filled(tokens, ids);
    }
}
