package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.UnitTest;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** How much free space an arriving body is promised: what its own pace brings, never what it only announces. */
@UnitTest
class ReservationsTest {
    private static final long MiB = 1024 * 1024;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-02-01T12:00:00Z"));
    private final Reservations reservations = new Reservations(clock);

    @Test
    void aBodyThatSendsAByteEveryThreeSecondsIsPromisedAlmostNothing() {
        Reservations.Reservation trickle = reservations.open(16L << 30, 100L << 30);
        for (int i = 1; i <= 20; i++) {
            clock.advance(Duration.ofSeconds(3));
            trickle.arrived(i);
        }
        // 20 bytes in 60 s: a pace of a third of a byte per second, 20 bytes in the next minute.
        assertThat(reservations.promised()).isEqualTo(20);
        assertThat(reservations.open(99L << 30, 100L << 30)).as("the rest of the disk is anyone's").isNotNull();
    }

    @Test
    void aBodyArrivingSteadilyIsPromisedWhatItWillBringInTheNextMinuteAndNoMoreThanItLacks() {
        Reservations.Reservation fast = reservations.open(1000 * MiB, 10_000 * MiB);
        clock.advance(Duration.ofSeconds(2));
        fast.arrived(10 * MiB);
        assertThat(reservations.promised()).as("5 MiB/s for 60 s").isEqualTo(300 * MiB);
        clock.advance(Duration.ofSeconds(98));
        fast.arrived(900 * MiB);
        assertThat(reservations.promised()).as("only the 100 MiB it still lacks").isEqualTo(100 * MiB);
        fast.close();
        assertThat(reservations.promised()).isZero();
    }

    @Test
    void aBodySilentForTenSecondsIsPromisedNothingUntilItsNextBytes() {
        Reservations.Reservation stalled = reservations.open(100 * MiB, 1000 * MiB);
        clock.advance(Duration.ofSeconds(1));
        stalled.arrived(10 * MiB);
        assertThat(reservations.promised()).isEqualTo(90 * MiB);
        clock.advance(Reservations.STALL);
        assertThat(reservations.promised()).as("still within the stall window, at its pace so far (10 MiB in 11 s)")
                .isEqualTo((long) (10 * MiB / 11.0 * 60));
        clock.advance(Duration.ofMillis(1));
        assertThat(reservations.promised()).isZero();
        stalled.arrived(11 * MiB);
        assertThat(reservations.promised()).as("moving again").isPositive();
    }

    @Test
    void aBodyThatDoesNotFitBesideWhatOthersArePromisedIsRefusedAtOnce() {
        Reservations.Reservation first = reservations.open(60 * MiB, 100 * MiB);
        clock.advance(Duration.ofSeconds(1));
        first.arrived(30 * MiB);
        assertThat(reservations.promised()).isEqualTo(30 * MiB);
        assertThat(reservations.open(71 * MiB, 100 * MiB)).as("71 MiB beside 30 promised in 100").isNull();
        assertThat(reservations.open(70 * MiB, 100 * MiB)).isNotNull();
        assertThat(reservations.open(0, 100 * MiB)).as("a chunked body announces nothing").isNotNull();
        assertThat(reservations.open(0, 30 * MiB - 1)).as("but finds no room where the promises took it all").isNull();
    }
}
