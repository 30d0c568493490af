package dev.photosidecar.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.config.ExAppSwitch;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.sqlite.SqliteLedger;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nextcloud calls {@code /enabled} on one replica; on a shared ledger every replica follows within
 * {@link ExAppSwitch#SHARED_REREAD}. Two replicas here: two data folders, one ledger file, each with its own
 * connections to it (the PostgreSQL side of {@code shared_state} is in the ledger contract tests).
 */
@UnitTest
class SharedExAppSwitchTest {
    @TempDir
    Path dir;

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-05T12:00:00Z"));

    @Test
    void aSwitchSetThroughOneReplicaReachesTheOtherWithinTheRereadInterval() throws Exception {
        Path ledgerFile = dir.resolve("ledger.db");
        try (Ledger one = SqliteLedger.openPooled(ledgerFile, clock, 2);
             Ledger two = SqliteLedger.openPooled(ledgerFile, clock, 2)) {
            ExAppSwitch a = ExAppSwitch.forReplica(Files.createDirectories(dir.resolve("a")),
                    new SharedExAppSwitch(one.sharedState()), clock);
            ExAppSwitch b = ExAppSwitch.forReplica(Files.createDirectories(dir.resolve("b")),
                    new SharedExAppSwitch(two.sharedState()), clock);
            assertThat(a.isEnabled()).as("an ExApp starts disabled").isFalse();
            assertThat(b.isEnabled()).isFalse();

            a.set(true);
            assertThat(a.isEnabled()).isTrue();
            assertThat(ExAppSwitch.recorded(dir.resolve("a"))).as("its own data folder records it too").isTrue();
            clock.advance(ExAppSwitch.SHARED_REREAD.minusMillis(1));
            assertThat(b.isEnabled()).as("not yet re-read").isFalse();
            clock.advance(Duration.ofMillis(1));
            assertThat(b.isEnabled()).as("Nextcloud's call to the other replica reached this one").isTrue();

            b.set(false);
            clock.advance(ExAppSwitch.SHARED_REREAD);
            assertThat(a.isEnabled()).isFalse();

            ExAppSwitch restarted = ExAppSwitch.forReplica(dir.resolve("a"), new SharedExAppSwitch(one.sharedState()), clock);
            assertThat(restarted.isEnabled()).as("a restart takes the shared state, not its folder's stale one").isFalse();
        }
    }

    @Test
    void theFirstReplicaOfASidecarThatRanAloneKeepsItsFoldersState() throws Exception {
        Path data = Files.createDirectories(dir.resolve("alone"));
        ExAppSwitch.forExApp(data).set(true);
        try (Ledger ledger = SqliteLedger.openPooled(dir.resolve("ledger.db"), clock, 2)) {
            assertThat(ExAppSwitch.forReplica(data, new SharedExAppSwitch(ledger.sharedState()), clock).isEnabled()).isTrue();
        }
    }
}
