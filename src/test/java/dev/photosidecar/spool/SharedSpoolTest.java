package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.SpoolDirLock;
import dev.photosidecar.ledger.Ids;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several sidecars on one spool folder (issue 18): what one process's start-up may touch while another one lives. "The
 * other process" is a real second JVM ({@link SpoolHolder}) wherever the point is an OS lock, and it is SIGKILLed to
 * show the lock goes with it.
 */
@UnitTest
class SharedSpoolTest {
    @TempDir
    Path dir;

    private Path spoolDir() {
        return dir.resolve("spool");
    }

    private Spool spool() {
        return new Spool(spoolDir(), dir.resolve("quarantine"), 0, 1L << 30, Clock.systemUTC());
    }

    @Test
    void aSqliteSidecarIsRefusedASpoolThatReplicasShareAndGetsItOnceTheyAreGone() throws Exception {
        try (SpoolHolderProcess replica = SpoolHolderProcess.start("spool", spoolDir().toString(), "shared")) {
            assertThat(replica.said()).isEqualTo("HELD spool alone=true");
            assertThatThrownBy(() -> SpoolDirLock.acquire(spoolDir(), false))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("SIDECAR_SPOOL_DIR=" + spoolDir())
                    .hasMessageContaining("embedded SQLite ledger needs a spool of its own")
                    .hasMessageContaining("SIDECAR_DATABASE_URL");
            try (SpoolDirLock second = SpoolDirLock.acquire(spoolDir(), true, Duration.ofSeconds(30))) {
                assertThat(second.alone()).as("another replica holds the spool").isFalse();
            }
            replica.kill();
            try (SpoolDirLock sqlite = SpoolDirLock.acquire(spoolDir(), false)) {
                assertThat(sqlite.alone()).as("the replica's lock went with its process").isTrue();
            }
        }
    }

    @Test
    void aReplicaIsRefusedASpoolThatASqliteSidecarHolds() throws Exception {
        try (SpoolHolderProcess sqlite = SpoolHolderProcess.start("spool", spoolDir().toString(), "sqlite")) {
            assertThat(sqlite.said()).isEqualTo("HELD spool alone=true");
            assertThatThrownBy(() -> SpoolDirLock.acquire(spoolDir(), true, Duration.ofMillis(300)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("SIDECAR_SPOOL_DIR=" + spoolDir())
                    .hasMessageContaining("held by a sidecar on the embedded SQLite ledger");
            assertThatThrownBy(() -> SpoolDirLock.acquire(spoolDir(), false)).isInstanceOf(ConfigException.class);
        }
    }

    @Test
    void aSweepKeepsTheBodiesALiveProcessIsReceivingAndRemovesThemOnceItIsGone() throws Exception {
        try (Spool mine = spool(); SpoolHolderProcess other = SpoolHolderProcess.start("receive", spoolDir().toString())) {
            Path body = Path.of(other.said().substring("HELD incoming ".length()));
            assertThat(body).hasSize(1000);
            SpoolSweep sweep = mine.sweep(Set.of(), Set.of(), ids -> Set.of(), false);
            assertThat(body).as("a live process's body").exists();
            assertThat(sweep.unansweredRemoved()).isZero();
            sweep = mine.sweep(Set.of(), Set.of(), ids -> Set.of(), true);
            assertThat(body).as("a folder whose lock is held is never anyone's leftover").exists();

            other.kill();
            sweep = mine.sweep(Set.of(), Set.of(), ids -> Set.of(), false);
            assertThat(sweep.unansweredRemoved()).isEqualTo(1);
            assertThat(body.getParent()).as("the dead process's folder").doesNotExist();
            assertThat(Files2.regularFiles(spoolDir().resolve("live"))).as("only this process's lock file is left")
                    .hasSize(1);
            Path myBody = mine.incomingDir().resolve("mine.upload");
            Files.write(myBody, new byte[10]);
            mine.sweep(Set.of(), Set.of(), ids -> Set.of(), false);
            assertThat(myBody).as("this process's own folder").exists();
        }
    }

    @Test
    void withOtherReplicasAliveFilesNoJobKnowsYetStayWhereTheyAre() throws Exception {
        String midIntake = Ids.jobId();
        String justCreated = Ids.jobId();
        String ended = Ids.jobId();
        try (Spool mine = spool()) {
            Files.write(spoolDir().resolve("ready").resolve(midIntake), new byte[10]);
            Files.createDirectories(spoolDir().resolve("partial"));
            Files.write(spoolDir().resolve("partial").resolve(justCreated), new byte[10]);
            Files.write(spoolDir().resolve("ready").resolve(ended), new byte[10]);

            SpoolSweep shared = mine.sweep(Set.of(), Set.of(), ids -> ids.contains(ended) ? Set.of(ended) : Set.of(), false);
            assertThat(spoolDir().resolve("ready").resolve(midIntake)).as("another replica's commit, its row not written yet")
                    .exists();
            assertThat(spoolDir().resolve("partial").resolve(justCreated)).exists();
            assertThat(spoolDir().resolve("ready").resolve(ended)).as("an ended job's copy is nobody's").doesNotExist();
            assertThat(shared.quarantined()).isEmpty();
            assertThat(shared.unknownLeft()).isEqualTo(2);

            SpoolSweep alone = mine.sweep(Set.of(), Set.of(), ids -> Set.of(), true);
            assertThat(alone.quarantined()).as("with the spool to itself, unknown files go to quarantine")
                    .hasValueSatisfying(m -> assertThat(m.files()).isEqualTo(2));
        }
    }

    @Test
    void anUploadLockedByAnotherProcessCannotBeTakenUntilThatProcessDies() throws Exception {
        String id = Ids.jobId();
        String other = Ids.jobId();
        try (Spool mine = spool(); SpoolHolderProcess replica = SpoolHolderProcess.start("upload", spoolDir().toString(), id)) {
            assertThat(replica.said()).isEqualTo("HELD upload " + id);
            assertThat(mine.partialLocks().tryHold(id)).as("held by the other process").isEmpty();
            Optional<PartialLocks.Held> otherUpload = mine.partialLocks().tryHold(other);
            assertThat(otherUpload).as("another upload is free").isPresent();
            otherUpload.get().close();
            replica.kill();
            Optional<PartialLocks.Held> mineNow = mine.partialLocks().tryHold(id);
            assertThat(mineNow).as("the lock went with the process").isPresent();
            try (SpoolHolderProcess second = SpoolHolderProcess.start("upload", spoolDir().toString(), id)) {
                assertThat(second.said()).as("now this process holds it").isEqualTo("REFUSED upload " + id);
            }
            mineNow.get().close();
            try (SpoolHolderProcess third = SpoolHolderProcess.start("upload", spoolDir().toString(), id)) {
                assertThat(third.said()).as("released").isEqualTo("HELD upload " + id);
            }
        }
    }

    @Test
    void everyIdHasAByteOfItsOwn() {
        assertThat(PartialLocks.offsetOf("aaaaaaaaaaaaaaaaaaaaaaaaaa")).isZero();
        assertThat(PartialLocks.offsetOf("7777777777772222222222222a")).isEqualTo((1L << 60) - 1);
        assertThat(PartialLocks.offsetOf("abaaaaaaaaaaaaaaaaaaaaaaaa")).isNotEqualTo(PartialLocks.offsetOf("baaaaaaaaaaaaaaaaaaaaaaaaa"));
    }
}
