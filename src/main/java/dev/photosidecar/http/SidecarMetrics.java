package dev.photosidecar.http;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;
import dev.photosidecar.delivery.Delivered;
import dev.photosidecar.delivery.DeliveryEvents;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.HostBreaker;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.spool.Spool;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The sidecar's metrics, served at {@code GET /metrics} in Prometheus's text format: jobs by state, uploads
 * and bytes in, deliveries by outcome and reason and bytes out, delivery latency, the oldest pending job,
 * the host breaker, spool space, and the JVM. Gauges that need the ledger read it at most every few
 * seconds, however often Prometheus scrapes.
 */
public final class SidecarMetrics implements DeliveryEvents {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Counter bytesIn;
    private final Counter bytesOut;
    private final Timer latency;
    private final LoadingCache<String, Map<JobState, Long>> counts;
    private final LoadingCache<String, Optional<java.time.Instant>> oldestPending;

    public SidecarMetrics(JobLedger ledger, Spool spool, HostBreaker breaker, Clock clock) {
        this.counts = Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(5)).build(k -> ledger.countByState());
        this.oldestPending = Caffeine.newBuilder().expireAfterWrite(Duration.ofSeconds(5)).build(k -> ledger.oldestPendingReceivedAt());
        for (JobState s : JobState.values()) {
            Gauge.builder("sidecar_jobs", () -> counts.get("all").getOrDefault(s, 0L))
                    .description("jobs in the ledger by state").tag("state", s.wire()).register(registry);
        }
        Gauge.builder("sidecar_oldest_pending_job_age_seconds",
                        () -> oldestPending.get("oldest").map(t -> Duration.between(t, clock.instant()).toMillis() / 1000.0).orElse(0.0))
                .description("how long the oldest pending job has waited since it was received").register(registry);
        Gauge.builder("sidecar_host_breaker_open", () -> breaker.isOpen() ? 1 : 0)
                .description("1 while deliveries are paused because the host is unavailable").register(registry);
        Gauge.builder("sidecar_spool_free_bytes", spool::usableBytes).description("free space where the spool lives")
                .baseUnit("bytes").register(registry);
        Gauge.builder("sidecar_spool_reserve_bytes", spool::reserveBytes).description("free space the spool never uses")
                .baseUnit("bytes").register(registry);
        Gauge.builder("sidecar_spool_quarantined_files", () -> spool.quarantine().contents().files())
                .description("files start-up moved to the data folder's quarantine/ because no job knew them; look through them")
                .register(registry);
        Gauge.builder("sidecar_spool_quarantined_bytes", () -> spool.quarantine().contents().bytes())
                .description("bytes of the files in quarantine/").baseUnit("bytes").register(registry);
        this.bytesIn = Counter.builder("sidecar_upload_bytes").description("bytes of uploads received and kept").register(registry);
        this.bytesOut = Counter.builder("sidecar_delivered_bytes").description("bytes delivered to the target").register(registry);
        this.latency = Timer.builder("sidecar_delivery_latency").description("from receiving an upload to its verified delivery")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(10)).maximumExpectedValue(Duration.ofDays(2))
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** An upload was answered: {@code outcome} is created, replay or conflict. */
    public void uploadAnswered(String outcome, long bytes) {
        Counter.builder("sidecar_uploads").description("uploads by outcome").tag("outcome", outcome).register(registry).increment();
        if (outcome.equals("created")) {
            bytesIn.increment(bytes);
        }
    }

    /** An upload was refused with an error code. */
    public void uploadRefused(ErrorCode code) {
        Counter.builder("sidecar_uploads").description("uploads by outcome").tag("outcome", code.name().toLowerCase(Locale.ROOT))
                .register(registry).increment();
    }

    /** An unfinished resumable upload was removed: {@code cause} is expired, cancelled or superseded. */
    public void resumableRemoved(String cause) {
        Counter.builder("sidecar_resumable_removed").description("unfinished resumable uploads removed, by cause")
                .tag("cause", cause).register(registry).increment();
        if (cause.equals("expired")) {
            Counter.builder("sidecar_resumable_expired").description("unfinished resumable uploads removed after their expiry")
                    .register(registry).increment();
        }
    }

    @Override
    public void delivered(Job job, Delivered delivered, Duration sinceReceived) {
        Counter.builder("sidecar_deliveries").description("delivery attempts by outcome and reason")
                .tags("outcome", "succeeded", "reason", delivered.alreadyPresent() ? "ALREADY_PRESENT" : "DELIVERED")
                .register(registry).increment();
        if (!delivered.alreadyPresent()) {
            bytesOut.increment(job.size());
        }
        latency.record(sinceReceived.isNegative() ? Duration.ZERO : sinceReceived);
    }

    /** Counted by the failure's kind (the outcome) and its code (the reason), the code read from the enum. */
    @Override
    public void attemptFailed(Job job, DeliveryFailure failure) {
        Counter.builder("sidecar_deliveries").description("delivery attempts by outcome and reason")
                .tags("outcome", failure.kind().name().toLowerCase(Locale.ROOT), "reason", failure.code().name())
                .register(registry).increment();
    }

    public String scrape() {
        return registry.scrape();
    }
}
