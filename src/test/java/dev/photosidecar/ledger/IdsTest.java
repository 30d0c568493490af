package dev.photosidecar.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

@UnitTest
class IdsTest {
    /** Every position of an id draws from all 32 characters: no bit of the random draw is lost or repeated. */
    @Test
    void everyPositionOfAJobIdTakesEveryBase32Character() {
        List<Set<Character>> seen = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            seen.add(new HashSet<>());
        }
        Set<String> ids = new HashSet<>();
        for (int n = 0; n < 5_000; n++) {
            String id = Ids.jobId();
            assertThat(id).matches("[a-z2-7]{26}");
            ids.add(id);
            for (int i = 0; i < 26; i++) {
                seen.get(i).add(id.charAt(i));
            }
        }
        assertThat(ids).hasSize(5_000);
        assertThat(seen).allSatisfy(chars -> assertThat(chars).hasSize(32));
    }

    @Test
    void tokensAndDeviceIdsKeepTheirShapes() {
        assertThat(Ids.deviceToken()).matches("psc_[a-z2-7]{52}");
        assertThat(Ids.deviceId()).matches("dev_[a-z2-7]{16}");
    }
}
