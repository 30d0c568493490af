package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.photosidecar.delivery.HostBreaker;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.SidecarMetrics;
import dev.photosidecar.http.StorageErrors;
import dev.photosidecar.intake.Intake;
import dev.photosidecar.intake.KeyConflictException;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.ledger.JobLedger;
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
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lost insert race on a resumable upload: the upload finishes, its key free when it began, and a plain upload of
 * the same key inserts its job just before the finish's own insert. The finish is judged against the winner's job, as a plain
 * upload's is: 200 for the same bytes, 409 for other bytes, and no spool file of its own is left behind (it used to
 * answer 500 and leave its committed copy in {@code ready/}). The race is forced by a ledger decorator that inserts
 * the competing job just before the finish's insert.
 */
@UnitTest
class ResumableInsertRaceTest {
    private static final String KEY = "IMG_0001";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");

    @TempDir
    Path dir;
    private JobLedger ledger;
    private ResumableLedger resumableLedger;
    private Spool spool;
    private PartialStore partials;
    private ResumableUploads uploads;
    private Device phone;
    /** The job a plain upload inserts between the finish's lookup and its insert; taken once. */
    private final AtomicReference<NewJob> competitor = new AtomicReference<>();

    @BeforeEach
    void open() {
        MutableClock clock = new MutableClock(NOW);
        Jdbi jdbi = Database.open(dir.resolve("ledger.db"));
        ledger = new SqliteJobLedger(jdbi, clock);
        resumableLedger = new SqliteResumableLedger(jdbi, clock);
        DeviceRegistry devices = new SqliteDeviceRegistry(jdbi, clock);
        phone = devices.add("alice", "phone").device();
        spool = new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, 1L << 30, clock);
        partials = new PartialStore(spool);
        JobLedger racing = losingTheInsertRace(ledger);
        uploads = new ResumableUploads(racing, new Intake(racing, devices, spool, job -> { }), resumableLedger, spool, partials, clock,
                Duration.ofHours(24), () -> { }, new SidecarMetrics(ledger, spool, new HostBreaker(), clock), true, devices, 10);
    }

    /** The real ledger, except that the competing job goes in just before the finish's own insert. */
    private JobLedger losingTheInsertRace(JobLedger real) {
        return (JobLedger) Proxy.newProxyInstance(JobLedger.class.getClassLoader(), new Class<?>[] {JobLedger.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("insert")) {
                        NewJob other = competitor.getAndSet(null);
                        if (other != null) {
                            real.insert(other);
                        }
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** A plain upload of the key, its bytes committed to the spool as the plain path does; its job comes in the race. */
    private String plainUploadRacing(byte[] bytes) {
        ReceivedUpload body = spool.receive(new ByteArrayInputStream(bytes), bytes.length, Optional.empty());
        String id = Ids.jobId();
        spool.commit(body, id);
        competitor.set(new NewJob(id, phone.id(), phone.userId(), KEY, "IMG_0001.HEIC", ResourceType.PHOTO, Optional.empty(),
                "image/heic", body.size(), body.sha256(), Optional.empty()));
        return id;
    }

    /**
     * A tus upload of the key with all of {@code bytes} appended, created when the key had a job (so it has no receiving
     * job of its own and is judged at its finish) that has gone since.
     */
    private ResumableUpload completeUpload(byte[] bytes) {
        String id = Ids.jobId();
        ResumableUpload u = new ResumableUpload(id, "tus", phone.id(), phone.userId(), KEY, Optional.empty(), "IMG_0001.HEIC",
                ResourceType.PHOTO, Optional.empty(), "image/heic", Optional.empty(), OptionalLong.of(bytes.length),
                Optional.empty(), NOW, NOW.plus(Duration.ofHours(24)));
        resumableLedger.create(u);
        partials.append(id, 0, new ByteArrayInputStream(bytes), bytes.length, bytes.length, Optional.empty());
        return u;
    }

    private List<String> spoolFiles() throws IOException {
        // The upload files (incoming/, ready/, partial/ at any depth), not the running spool's lock files.
        return dev.photosidecar.support.Files2.uploadFiles(dir.resolve("spool")).stream()
                .map(p -> dir.resolve("spool").relativize(p).toString()).sorted().toList();
    }

    @Test
    void theSameBytesAsTheWinnersAreAReplay200AndLeaveNoSpoolFile() throws IOException {
        byte[] bytes = Files2.randomBytes(1, 5000);
        ResumableUpload u = completeUpload(bytes);
        String winner = plainUploadRacing(bytes);

        ResumableUploads.Finished finished = uploads.finish(u, phone);

        assertThat(competitor.get()).as("the competing job went in just before the insert").isNull();
        assertThat(finished.status()).isEqualTo(200);
        assertThat(finished.job().id()).isEqualTo(winner);
        assertThat(spoolFiles()).as("only the winner's copy").containsExactly("ready/" + winner);
        assertThat(resumableLedger.find(u.id())).as("the upload is judged and gone").isEmpty();
        assertThat(ledger.findByKey(phone.id(), KEY)).hasValueSatisfying(j -> assertThat(j.id()).isEqualTo(winner));
    }

    @Test
    void otherBytesThanTheWinnersAreAConflict409AndLeaveNoSpoolFile() throws IOException {
        ResumableUpload u = completeUpload(Files2.randomBytes(2, 5000));
        String winner = plainUploadRacing(Files2.randomBytes(3, 5000));

        KeyConflictException conflict = catchThrowableOfType(() -> uploads.finish(u, phone), KeyConflictException.class);

        assertThat(competitor.get()).as("the competing job went in just before the insert").isNull();
        assertThat(conflict.existing().id()).isEqualTo(winner);
        assertThat(StorageErrors.answerFor(conflict)).hasValueSatisfying(answer -> {
            assertThat(answer.code()).isEqualTo(ErrorCode.KEY_CONFLICT);
            assertThat(answer.code().status()).isEqualTo(409);
        });
        assertThat(spoolFiles()).as("only the winner's copy").containsExactly("ready/" + winner);
        assertThat(resumableLedger.find(u.id())).as("the upload is judged and gone").isEmpty();
    }
}
