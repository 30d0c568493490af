package dev.photosidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.delivery.HostBreaker;
import dev.photosidecar.http.SidecarMetrics;
import dev.photosidecar.http.resumable.ResumableUploads;
import dev.photosidecar.intake.Intake;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.ResumableUpload;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.ledger.sqlite.SqliteResumableLedger;
import dev.photosidecar.spool.PartialStore;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.spool.SpoolHolderProcess;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-up recovery on a real ledger file and a real spool, without a server: what a run that stopped at the worst
 * moments leaves behind is set right by the documented steps (leases returned, spool swept, lost copies failed,
 * resumable uploads repaired), and what is still needed is kept.
 */
@UnitTest
class StartupRecoveryTest {
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;

    @Test
    void whatAStoppedRunLeftBehindIsSetRightAndWhatIsNeededIsKept() throws IOException {
        MutableClock clock = new MutableClock(NOW);
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        JobLedger jobs = new SqliteJobLedger(jdbi, clock);
        ResumableLedger resumableLedger = new SqliteResumableLedger(jdbi, clock);
        DeviceRegistry devices = new SqliteDeviceRegistry(jdbi, clock);
        Device phone = devices.add("alice", "phone").device();
        Spool spool = new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, 1L << 30, clock);
        PartialStore partials = new PartialStore(spool);

        // The last run was delivering one job and held its lease; another job lost its spool copy; a third waits.
        String delivering = insert(jobs, spool, phone, "delivering", 1);
        assertThat(jobs.claimDue("sidecar-last-run", 1, Duration.ofMinutes(5))).extracting(Job::id).containsExactly(delivering);
        String lost = insert(jobs, spool, phone, "lost", 2);
        spool.remove(lost);
        String waiting = insert(jobs, spool, phone, "waiting", 3);
        // A body that never got its answer, and a file no job knows.
        Files.write(dir.resolve("spool/incoming/cut-off.upload"), Files2.randomBytes(4, 300));
        String stranger = Ids.jobId();
        Files.write(dir.resolve("spool/ready").resolve(stranger), Files2.randomBytes(5, 700));
        // An unfinished resumable upload with its first bytes, to be kept for its client.
        String unfinished = Ids.jobId();
        resumableLedger.create(new ResumableUpload(unfinished, "tus", phone.id(), phone.userId(), "unfinished",
                Optional.of(unfinished), "b.jpg", ResourceType.PHOTO, Optional.empty(), "image/jpeg", Optional.empty(),
                OptionalLong.of(1000), Optional.empty(), NOW, NOW.plus(Duration.ofHours(24))));
        partials.append(unfinished, 0, new ByteArrayInputStream(new byte[400]), 400, 1000, Optional.empty());

        ResumableUploads resumable = new ResumableUploads(jobs, new Intake(jobs, devices, spool, job -> { }), resumableLedger, spool,
                partials, clock, Duration.ofHours(24), () -> { }, new SidecarMetrics(jobs, spool, new HostBreaker(), clock),
                true, devices, 10);
        new StartupRecovery(jobs, resumableLedger, spool, resumable, "sidecar-this-run").run();

        Job returned = jobs.find(delivering).orElseThrow();
        assertThat(returned.state()).as("its lease returned").isEqualTo(JobState.PENDING);
        assertThat(returned.attempts()).as("the interrupted attempt stays counted").isEqualTo(1);
        assertThat(returned.leaseOwner()).isEmpty();
        Job failed = jobs.find(lost).orElseThrow();
        assertThat(failed.state()).isEqualTo(JobState.FAILED);
        assertThat(failed.lastError()).hasValueSatisfying(e -> assertThat(e).contains("the spool copy of this upload is missing"));
        assertThat(jobs.find(waiting).orElseThrow().state()).isEqualTo(JobState.PENDING);

        // The upload files: the spool's lock files (live/, partial.lock) are this running process's, not uploads.
        assertThat(files("spool").stream().filter(f -> !f.startsWith("live/") && !f.equals("partial.lock")))
                .containsExactlyInAnyOrder("ready/" + delivering, "ready/" + waiting, "partial/" + unfinished);
        assertThat(files("quarantine")).as("the stranger moved aside, never deleted")
                .singleElement().satisfies(p -> assertThat(p).endsWith("ready/" + stranger));
        assertThat(resumableLedger.find(unfinished)).isPresent();
        assertThat(partials.offset(unfinished)).isEqualTo(400);
    }

    private List<String> files(String under) throws IOException {
        Path root = dir.resolve(under);
        try (Stream<Path> all = Files.walk(root)) {
            return all.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).toList();
        }
    }

    private static String insert(JobLedger jobs, Spool spool, Device phone, String key, long seed) {
        byte[] bytes = Files2.randomBytes(seed, 1000);
        ReceivedUpload body = spool.receive(new ByteArrayInputStream(bytes), bytes.length, Optional.empty());
        String id = Ids.jobId();
        spool.commit(body, id);
        jobs.insert(new NewJob(id, phone.id(), phone.userId(), key, key + ".jpg", ResourceType.PHOTO, Optional.empty(),
                "image/jpeg", body.size(), body.sha256(), Optional.empty()));
        return id;
    }

    /**
     * On a spool other replicas use: an upload another process is writing right now (it holds the upload's lock, here a
     * real second JVM) is not expired, not reclaimed and not removed by this process's start-up, even when it is due;
     * a partial file whose row is gone is left while its lock is held, and removed once its process is gone.
     */
    @Test
    void aLiveReplicasUploadIsLeftAloneByRecoveryAndExpiry() throws Exception {
        MutableClock clock = new MutableClock(NOW);
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        JobLedger jobs = new SqliteJobLedger(jdbi, clock);
        ResumableLedger resumableLedger = new SqliteResumableLedger(jdbi, clock);
        DeviceRegistry devices = new SqliteDeviceRegistry(jdbi, clock);
        Device phone = devices.add("alice", "phone").device();
        Path spoolDir = dir.resolve("spool");
        try (Spool spool = new Spool(spoolDir, dir.resolve("quarantine"), 0, 1L << 30, clock)) {
            PartialStore partials = new PartialStore(spool);
            String busy = Ids.jobId();
            resumableLedger.create(new ResumableUpload(busy, "tus", phone.id(), phone.userId(), "busy",
                    Optional.of(busy), "b.jpg", ResourceType.PHOTO, Optional.empty(), "image/jpeg", Optional.empty(),
                    OptionalLong.of(1000), Optional.empty(), NOW, NOW.plus(Duration.ofHours(1))));
            partials.append(busy, 0, new ByteArrayInputStream(new byte[400]), 400, 1000, Optional.empty());
            String orphan = Ids.jobId();
            Files.write(spoolDir.resolve("partial").resolve(orphan), new byte[300]);
            clock.advance(Duration.ofHours(2)); // the busy upload is due to expire

            ResumableUploads resumable = new ResumableUploads(jobs, new Intake(jobs, devices, spool, job -> { }),
                    resumableLedger, spool, partials, clock, Duration.ofHours(1), () -> { },
                    new SidecarMetrics(jobs, spool, new HostBreaker(), clock), true, devices, 10);
            try (SpoolHolderProcess writer = SpoolHolderProcess.start("upload", spoolDir.toString(), busy);
                 SpoolHolderProcess finisher = SpoolHolderProcess.start("upload", spoolDir.toString(), orphan)) {
                assertThat(writer.said()).startsWith("HELD");
                assertThat(finisher.said()).startsWith("HELD");
                new StartupRecovery(jobs, resumableLedger, spool, resumable, "sidecar-this-run", false).run();
                assertThat(resumableLedger.find(busy)).as("another replica's upload in progress").isPresent();
                assertThat(spoolDir.resolve("partial").resolve(busy)).hasSize(400);
                assertThat(spoolDir.resolve("partial").resolve(orphan)).as("its lock is held: not yet a leftover").exists();
                assertThat(resumable.expireDue()).isZero();

                writer.kill();
                finisher.kill();
            }
            resumable.recover();
            assertThat(resumableLedger.find(busy)).as("due, and nobody writes to it any more").isEmpty();
            assertThat(spoolDir.resolve("partial").resolve(busy)).doesNotExist();
            assertThat(spoolDir.resolve("partial").resolve(orphan)).as("no row and no writer: a leftover").doesNotExist();
        }
    }
}
