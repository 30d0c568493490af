package dev.photosidecar.intake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.LedgerException;
import dev.photosidecar.ledger.NewJob;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.ledger.ResumableLedger;
import dev.photosidecar.ledger.ResumableUpload;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.ledger.sqlite.SqliteJobLedger;
import dev.photosidecar.ledger.sqlite.SqliteResumableLedger;
import dev.photosidecar.spool.ReceivedUpload;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The intake rule without HTTP, on a real ledger file and a real spool: a new key is kept, the same bytes again are a
 * replay, a failed job's bytes revive it, other bytes are a conflict; only a kept body leaves a file in the spool.
 */
@UnitTest
class IntakeTest {
    @TempDir
    Path dir;
    private JobLedger jobs;
    private ResumableLedger resumable;
    private Spool spool;
    private Intake intake;
    private Device phone;
    private DeviceRegistry devices;
    private final AtomicInteger wakeups = new AtomicInteger();

    @BeforeEach
    void open() {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        jobs = new SqliteJobLedger(jdbi, clock);
        resumable = new SqliteResumableLedger(jdbi, clock);
        devices = new SqliteDeviceRegistry(jdbi, clock);
        phone = devices.add("alice", "phone").device();
        spool = new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, 1L << 30, clock);
        intake = new Intake(jobs, devices, spool, job -> wakeups.incrementAndGet());
    }

    private ReceivedUpload received(byte[] bytes) {
        return spool.receive(new ByteArrayInputStream(bytes), bytes.length, Optional.empty());
    }

    private NewJob candidate(String key, ReceivedUpload body) {
        return new NewJob(Ids.jobId(), phone.id(), phone.userId(), key, key + ".jpg", ResourceType.PHOTO, Optional.empty(),
                "image/jpeg", body.size(), body.sha256(), Optional.empty());
    }

    private Decision take(String key, byte[] bytes) {
        ReceivedUpload body = received(bytes);
        return intake.take(candidate(key, body), body, UnfinishedUpload.STAYS);
    }

    private List<String> files(String area) throws IOException {
        // The files at any depth: the spool receives into this process's own folder in incoming/.
        return dev.photosidecar.support.Files2.regularFiles(dir.resolve("spool").resolve(area)).stream()
                .map(p -> p.getFileName().toString()).sorted().toList();
    }

    @Test
    void aNewKeyBecomesAPendingJobWithItsSpoolCopy() throws IOException {
        byte[] bytes = Files2.randomBytes(1, 1000);
        Decision d = take("k1", bytes);
        assertThat(d.kind()).isEqualTo(Decision.Kind.CREATED);
        assertThat(d.job().state()).isEqualTo(JobState.PENDING);
        assertThat(files("ready")).containsExactly(d.job().id());
        assertThat(Files.readAllBytes(spool.pathOf(d.job().id()))).isEqualTo(bytes);
        assertThat(files("incoming")).isEmpty();
        assertThat(wakeups).as("delivery is woken for the new job").hasValue(1);
    }

    @Test
    void theSameBytesAgainAreAReplayThatKeepsNothing() throws IOException {
        byte[] bytes = Files2.randomBytes(2, 1000);
        Job first = take("k2", bytes).job();
        Decision again = take("k2", bytes);
        assertThat(again.kind()).isEqualTo(Decision.Kind.REPLAYED);
        assertThat(again.job().id()).isEqualTo(first.id());
        assertThat(files("ready")).containsExactly(first.id());
        assertThat(files("incoming")).isEmpty();
        assertThat(wakeups).as("a replay makes nothing due").hasValue(1);
    }

    @Test
    void otherBytesForAKnownKeyAreAConflictThatKeepsNothing() throws IOException {
        Job first = take("k3", Files2.randomBytes(3, 1000)).job();
        KeyConflictException conflict = catchThrowableOfType(() -> take("k3", Files2.randomBytes(4, 1000)),
                KeyConflictException.class);
        assertThat(conflict.existing().id()).isEqualTo(first.id());
        assertThat(files("ready")).containsExactly(first.id());
        assertThat(files("incoming")).isEmpty();
    }

    @Test
    void aBodyWhoseDeviceWasRevokedWhileItArrivedKeepsNothingWhetherItsKeyIsNewOrKnown() throws IOException {
        byte[] bytes = Files2.randomBytes(6, 1000);
        Job first = take("k5", bytes).job();
        ReceivedUpload fresh = received(Files2.randomBytes(7, 1000));
        ReceivedUpload again = received(bytes);
        assertThat(devices.revoke(phone.id())).isTrue();

        assertThatThrownBy(() -> intake.take(candidate("k6", fresh), fresh, UnfinishedUpload.STAYS))
                .isInstanceOf(LedgerException.Unauthorized.class).hasMessageContaining("revoked");
        assertThatThrownBy(() -> intake.take(candidate("k5", again), again, UnfinishedUpload.STAYS))
                .isInstanceOf(LedgerException.Unauthorized.class).hasMessageContaining("revoked");
        assertThat(jobs.findByKey(phone.id(), "k6")).isEmpty();
        assertThat(files("ready")).containsExactly(first.id());
        assertThat(files("incoming")).isEmpty();
        assertThat(wakeups).hasValue(1);
    }

    @Test
    void aFailedJobsOwnBytesReviveIt() throws IOException {
        byte[] bytes = Files2.randomBytes(5, 1000);
        Job first = take("k4", bytes).job();
        spool.remove(first.id());
        assertThat(jobs.failLostSpoolCopies(Set.of(first.id()), "the spool copy is missing")).isEqualTo(1);

        Decision d = take("k4", bytes);
        assertThat(d.kind()).isEqualTo(Decision.Kind.REVIVED);
        assertThat(d.job().id()).isEqualTo(first.id());
        assertThat(d.job().state()).isEqualTo(JobState.PENDING);
        assertThat(d.job().attempts()).isZero();
        assertThat(Files.readAllBytes(spool.pathOf(first.id()))).as("the fresh bytes are its spool copy").isEqualTo(bytes);
        assertThat(files("incoming")).isEmpty();
        assertThat(wakeups).hasValue(2);
    }

    @Test
    void otherBytesForAFailedJobAreAConflict() throws IOException {
        Job first = take("k5", Files2.randomBytes(6, 1000)).job();
        spool.remove(first.id());
        jobs.failLostSpoolCopies(Set.of(first.id()), "the spool copy is missing");

        KeyConflictException conflict = catchThrowableOfType(() -> take("k5", Files2.randomBytes(7, 1000)),
                KeyConflictException.class);
        assertThat(conflict.existing().state()).isEqualTo(JobState.FAILED);
        assertThat(files("ready")).isEmpty();
        assertThat(files("incoming")).isEmpty();
    }

    @Test
    void aWholeBodyMeetsAnUnfinishedUploadAsItsProtocolSays() throws IOException {
        byte[] bytes = Files2.randomBytes(8, 1000);
        String uploadId = Ids.jobId();
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        // An unfinished resumable upload of the key: its job is receiving, with no bytes judged yet.
        resumable.create(new ResumableUpload(uploadId, "tus", phone.id(), phone.userId(), "k6", Optional.of(uploadId),
                "k6.jpg", ResourceType.PHOTO, Optional.empty(), "image/jpeg", Optional.empty(), OptionalLong.of(1000),
                Optional.empty(), now, now.plusSeconds(3600)));

        KeyConflictException stays = catchThrowableOfType(() -> take("k6", bytes), KeyConflictException.class);
        assertThat(stays.existing().state()).as("judged against the receiving job").isEqualTo(JobState.RECEIVING);
        assertThat(files("incoming")).isEmpty();

        // The plain protocol's rule: the whole body wins, the unfinished upload goes first.
        ReceivedUpload body = received(bytes);
        Decision d = intake.take(candidate("k6", body), body, receiving -> resumable.remove(receiving.id()));
        assertThat(d.kind()).isEqualTo(Decision.Kind.CREATED);
        assertThat(d.job().id()).isNotEqualTo(uploadId);
        assertThat(resumable.find(uploadId)).isEmpty();
        assertThat(files("ready")).containsExactly(d.job().id());
    }

    @Test
    void aBodyThatCannotSupersedeTheUnfinishedUploadIsNotKept() throws IOException {
        String uploadId = Ids.jobId();
        Instant now = Instant.parse("2026-03-01T12:00:00Z");
        resumable.create(new ResumableUpload(uploadId, "tus", phone.id(), phone.userId(), "k7", Optional.of(uploadId),
                "k7.jpg", ResourceType.PHOTO, Optional.empty(), "image/jpeg", Optional.empty(), OptionalLong.empty(),
                Optional.empty(), now, now.plusSeconds(3600)));
        ReceivedUpload body = received(Files2.randomBytes(9, 1000));
        IllegalStateException busy = new IllegalStateException("that upload is busy");
        assertThat(catchThrowableOfType(() -> intake.take(candidate("k7", body), body, receiving -> {
            throw busy;
        }), IllegalStateException.class)).isSameAs(busy);
        assertThat(files("incoming")).isEmpty();
        assertThat(files("ready")).isEmpty();
    }
}
