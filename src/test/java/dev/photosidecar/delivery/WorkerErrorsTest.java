package dev.photosidecar.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.delivery.target.local.LocalFolderTarget;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.RetryPolicy;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.names.PathTemplate;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * "OutOfMemoryError killed the dispatcher thread while /healthz still said 200": an {@link Error} in a worker
 * or the dispatcher never stops deliveries silently. A worker's Error is that job's failed attempt and the
 * worker goes on; the dispatcher carries on after one; and should the dispatcher thread end all the same,
 * {@code /healthz} and {@code /readyz} answer 503 saying so.
 */
@FunctionalTest
class WorkerErrorsTest {
    @TempDir
    Path dir;

    /** The local folder target, except that a job named DOOMED… ends its worker's delivery with an Error. */
    private static final class Doomed implements DeliveryTarget {
        private final LocalFolderTarget real;
        final AtomicInteger thrown = new AtomicInteger();

        Doomed(Path library) {
            this.real = new LocalFolderTarget(library);
        }

        @Override
        public String name() {
            return "local";
        }

        @Override
        public Delivered deliver(DeliveryRequest request) throws DeliveryFailure {
            if (request.job().filename().startsWith("DOOMED")) {
                thrown.incrementAndGet();
                throw new OutOfMemoryError("Java heap space (simulated)");
            }
            return real.deliver(request);
        }

        @Override
        public Health health() {
            return real.health();
        }
    }

    @Test
    void anErrorInAWorkerIsThatJobsFailedAttemptAndTheWorkersGoOn() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        JobLedger ledger = new SqliteJobLedger(jdbi, clock);
        DeviceRegistry devices = new SqliteDeviceRegistry(jdbi, clock);
        Device phone = devices.add("alice", "phone").device();
        Spool spool = new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, 1L << 30, clock);
        Doomed target = new Doomed(dir.resolve("library"));
        DeliveryWorkers workers = new DeliveryWorkers(ledger, devices, spool, target, PathTemplate.parse("{filename}"),
                ZoneOffset.UTC, RetryPolicy.of(2, Duration.ofSeconds(15), Duration.ofMinutes(1)), clock, 2,
                Duration.ofMinutes(5), "owner-" + Ids.jobId().substring(0, 6), u -> 0, new HostBreaker(), DeliveryEvents.NONE,
                () -> true);
        try {
            workers.start();
            String doomed = insert(ledger, spool, phone, "DOOMED.JPG", 1);
            List<String> fine = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                fine.add(insert(ledger, spool, phone, "IMG_" + i + ".JPG", 10 + i));
            }
            workers.wake();
            await().atMost(Duration.ofSeconds(20)).until(() -> fine.stream().allMatch(id -> state(ledger, id) == JobState.SUCCEEDED)
                    && state(ledger, doomed) == JobState.PENDING);
            Job first = ledger.find(doomed).orElseThrow();
            assertThat(first.attempts()).isEqualTo(1);
            assertThat(first.lastError()).hasValue("INTERNAL_ERROR: the delivery stopped with java.lang.OutOfMemoryError:"
                    + " Java heap space (simulated)");
            assertThat(first.leaseOwner()).as("not leased (and so not renewed forever)").isEmpty();
            assertThat(workers.health().ok()).as(workers.health().detail()).isTrue();

            // Its next attempt dies the same way, and the job ends instead of looping.
            clock.advance(Duration.ofMinutes(1));
            workers.wake();
            await().atMost(Duration.ofSeconds(20)).until(() -> state(ledger, doomed) == JobState.FAILED);
            assertThat(ledger.find(doomed).orElseThrow().lastError()).hasValueSatisfying(e -> assertThat(e)
                    .startsWith("INTERNAL_ERROR: the delivery stopped with java.lang.OutOfMemoryError").endsWith("(gave up after 2 attempts)"));

            // The two workers that threw are still there to deliver.
            String later = insert(ledger, spool, phone, "LATER.JPG", 99);
            workers.wake();
            await().atMost(Duration.ofSeconds(20)).until(() -> state(ledger, later) == JobState.SUCCEEDED);
            assertThat(target.thrown).hasValue(2);
            System.out.printf("hostile host: worker errors: %d OutOfMemoryErrors in deliveries, each its job's failed"
                    + " attempt; %d other jobs delivered by the same workers%n", target.thrown.get(), fine.size() + 1);
        } finally {
            workers.close();
        }
    }

    @Test
    void theDispatcherCarriesOnAfterAnError() throws Exception {
        AtomicInteger errors = new AtomicInteger();
        try (TestSidecar s = TestSidecar.start(dir.resolve("data"), Map.of(), Clock.systemUTC(), () -> {
            if (errors.getAndIncrement() < 3) {
                throw new OutOfMemoryError("Java heap space (simulated)");
            }
            return true;
        })) {
            String token = s.enroll("alice", "phone");
            String id = s.http().put("/v1/uploads/k", token, Map.of("X-Filename", "a.jpg"), new byte[] {1}).json().path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> s.http().get("/v1/jobs/" + id, token).json().path("state")
                    .asText().equals("succeeded"));
            assertThat(errors.get()).isGreaterThan(3);
            assertThat(s.http().get("/healthz", null).status()).isEqualTo(200);
            assertThat(s.http().get("/readyz", null).json().path("checks").path("delivery").asText()).startsWith("ok: ");
        }
    }

    @Test
    void aDispatcherThatDiedAnywayMakesHealthzAndReadyzAnswer503() throws Exception {
        AtomicBoolean armed = new AtomicBoolean();
        try (TestSidecar s = TestSidecar.start(dir.resolve("data"), Map.of(), Clock.systemUTC(), () -> {
            if (armed.get()) {
                throw new Unprintable();
            }
            return true;
        })) {
            assertThat(s.http().get("/healthz", null).status()).isEqualTo(200);
            // An Error that even the dispatcher's handler cannot log (as an OutOfMemoryError may be while logging):
            // the thread ends. Nothing can bring it back but a restart, so the process must say so.
            armed.set(true);
            s.app().workers().wake();
            await().atMost(Duration.ofSeconds(20)).until(() -> s.http().get("/healthz", null).status() == 503);
            Http.Response health = s.http().get("/healthz", null);
            assertThat(health.errorCode()).isEqualTo("NOT_LIVE");
            assertThat(health.json().path("error").path("message").asText())
                    .startsWith("not live: the delivery dispatcher stopped").contains("restarts");
            Http.Response ready = s.http().get("/readyz", null);
            assertThat(ready.status()).isEqualTo(503);
            assertThat(ready.json().path("error").path("details").path("checks").path("delivery").asText())
                    .startsWith("failing: the delivery dispatcher stopped");
        }
    }

    /** An Error whose message cannot even be read: logging it fails too. */
    private static final class Unprintable extends Error {
        private static final long serialVersionUID = 1L;

        @Override
        public String getMessage() {
            throw new IllegalStateException("cannot describe myself");
        }

        @Override
        public String toString() {
            return "Unprintable";
        }
    }

    private static JobState state(JobLedger ledger, String id) {
        return ledger.find(id).orElseThrow().state();
    }

    private static String insert(JobLedger ledger, Spool spool, Device phone, String name, long seed) {
        byte[] body = Files2.randomBytes(seed, 1000 + (int) seed);
        ReceivedUpload upload = spool.receive(new ByteArrayInputStream(body), body.length, Optional.empty());
        String id = Ids.jobId();
        spool.commit(upload, id);
        ledger.insert(new NewJob(id, phone.id(), "alice", "k-" + name, name, ResourceType.PHOTO, Optional.empty(), "image/jpeg",
                upload.size(), upload.sha256(), Optional.empty()));
        return id;
    }
}
