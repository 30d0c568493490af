package dev.photosidecar.api;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.config.Units;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.jobs.JobLedger;
import dev.photosidecar.spool.Spool;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /healthz}: the process answers. {@code /readyz}: the ledger, the spool and the target answer too. */
final class HealthController {
    private final JobLedger ledger;
    private final Spool spool;
    private final DeliveryTarget target;
    private final UploadGate gate;

    HealthController(JobLedger ledger, Spool spool, DeliveryTarget target, UploadGate gate) {
        this.ledger = ledger;
        this.spool = spool;
        this.target = target;
        this.gate = gate;
    }

    void health(Context ctx) {
        ctx.json(Map.of("status", "ok"));
    }

    void ready(Context ctx) {
        Map<String, Object> checks = new LinkedHashMap<>();
        boolean ok = true;
        try {
            checks.put("database", "ok: " + ledger.countByState().values().stream().mapToLong(Long::longValue).sum() + " jobs");
        } catch (RuntimeException e) {
            checks.put("database", "failing: " + e.getMessage());
            ok = false;
        }
        long free = spool.usableBytes();
        if (spool.hasRoom()) {
            checks.put("spool", "ok: " + Units.formatBytes(free) + " free");
        } else {
            checks.put("spool", "failing: " + Units.formatBytes(free) + " free, reserve is " + Units.formatBytes(spool.reserveBytes()));
            ok = false;
        }
        DeliveryTarget.Health health = target.health();
        checks.put("target", (health.ok() ? "ok: " : "failing: ") + target.name() + " " + health.detail());
        ok &= health.ok();
        if (gate.isClosed()) {
            checks.put("server", "shutting down");
            ok = false;
        }
        if (!ok) {
            ErrorResponses.send(ctx, new dev.photosidecar.Problem(ErrorCode.NOT_READY, "not ready: " + checks, Map.of("checks", checks)));
            return;
        }
        ctx.json(Map.of("status", "ready", "checks", checks));
    }
}
