package dev.photosidecar.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The retry policy is a pure function: these tables are its specification. */
@UnitTest
class RetryPolicyTest {
    private final RetryPolicy defaults = RetryPolicy.of(12, Duration.ofSeconds(15), Duration.ofHours(2));

    @ParameterizedTest(name = "after attempt {0}: {1} s nominal")
    @CsvSource({
        "1, 15", "2, 30", "3, 60", "4, 120", "5, 240", "6, 480", "7, 960", "8, 1920", "9, 3840",
        "10, 7200", "11, 7200", "12, 7200",
    })
    void nominalDelaysDoubleUpToTheCap(int attempt, long seconds) {
        assertThat(defaults.nominalDelay(attempt)).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest(name = "attempt {0}, draw {1} -> {2} ms")
    @CsvSource({
        "1, 0.0,  15000",
        "1, 0.5,  13500",
        "1, 0.99, 12030",
        "3, 0.25, 57000",
        "10, 1.0, 5760000",
    })
    void jitterTakesUpTo20PercentOffTheNominalDelay(int attempt, double draw, long millis) {
        assertThat(defaults.delay(attempt, draw)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void attemptsAreBounded() {
        assertThat(defaults.allowsAnotherAttempt(11)).isTrue();
        assertThat(defaults.allowsAnotherAttempt(12)).isFalse();
        assertThat(RetryPolicy.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1)).allowsAnotherAttempt(1)).isFalse();
    }

    @Test
    void hugeAttemptNumbersStayAtTheCapWithoutOverflow() {
        assertThat(defaults.nominalDelay(10_000)).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void nonsenseSettingsAreRefusedWithTheValueNamed() {
        assertThatThrownBy(() -> RetryPolicy.of(0, Duration.ofSeconds(1), Duration.ofSeconds(2)))
                .hasMessageContaining("maxAttempts").hasMessageContaining("0");
        assertThatThrownBy(() -> RetryPolicy.of(3, Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .hasMessageContaining("initialDelay");
        assertThatThrownBy(() -> new RetryPolicy(3, Duration.ofSeconds(1), 0.5, Duration.ofSeconds(2), 0.2))
                .hasMessageContaining("multiplier");
    }
}
