package dev.photosidecar.http;

import dev.photosidecar.config.Units;
import dev.photosidecar.delivery.CachedHealth;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.spool.Spool;
import io.javalin.http.Context;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /healthz}: the process answers, and nothing that only a restart brings back has stopped (the delivery
 * dispatcher, the lease keeper). {@code /readyz}: the ledger, the spool, the target and the delivery workers
 * answer too. The target's check is remembered for {@link #TARGET_CHECK_TTL} and runs on the target's own probe
 * connections, so probes cannot flood the host or wait behind deliveries.
 */
public final class HealthController {
    static final Duration TARGET_CHECK_TTL = Duration.ofSeconds(5);

    private final JobLedger ledger;
    private final Spool spool;
    private final DeliveryTarget target;
    private final CachedHealth targetHealth;
    private final Supplier<DeliveryTarget.Health> delivery;
    private final UploadGate gate;

    public HealthController(JobLedger ledger, Spool spool, DeliveryTarget target, Supplier<DeliveryTarget.Health> delivery,
                     UploadGate gate) {
        this.ledger = ledger;
        this.spool = spool;
        this.target = target;
        this.targetHealth = new CachedHealth(target::health, TARGET_CHECK_TTL, System::nanoTime);
        this.delivery = delivery;
        this.gate = gate;
    }

    public void health(Context ctx) {
        DeliveryTarget.Health d = delivery.get();
        if (!d.ok()) {
            ErrorResponses.send(ctx, new dev.photosidecar.http.Problem(ErrorCode.NOT_LIVE, "not live: " + d.detail()));
            return;
        }
        ctx.json(Map.of("status", "ok"));
    }

    public void ready(Context ctx) {
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
        DeliveryTarget.Health health = targetHealth.get();
        checks.put("target", (health.ok() ? "ok: " : "failing: ") + target.name() + " " + health.detail());
        ok &= health.ok();
        DeliveryTarget.Health d = delivery.get();
        checks.put("delivery", (d.ok() ? "ok: " : "failing: ") + d.detail());
        ok &= d.ok();
        if (gate.isClosed()) {
            checks.put("server", "shutting down");
            ok = false;
        }
        if (!ok) {
            ErrorResponses.send(ctx, new dev.photosidecar.http.Problem(ErrorCode.NOT_READY, "not ready: " + checks, Map.of("checks", checks)));
            return;
        }
        ctx.json(Map.of("status", "ready", "checks", checks));
    }
}
