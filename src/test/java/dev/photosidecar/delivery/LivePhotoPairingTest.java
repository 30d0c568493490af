package dev.photosidecar.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@UnitTest
class LivePhotoPairingTest {
    @Test
    void theVideoFollowsThePhotosCopyNumber() {
        assertThat(LivePhotoPairing.firstCopyNumber(Optional.of("Photos/2024/05/IMG_1 (1).HEIC"), "IMG_1.MOV")).isEqualTo(1);
        assertThat(LivePhotoPairing.firstCopyNumber(Optional.of("IMG_1 (12).MOV"), "IMG_1.HEIC")).isEqualTo(12);
    }

    @Test
    void unrelatedOrUnnumberedSiblingsChangeNothing() {
        assertThat(LivePhotoPairing.firstCopyNumber(Optional.empty(), "IMG_1.MOV")).isZero();
        assertThat(LivePhotoPairing.firstCopyNumber(Optional.of("Photos/IMG_1.HEIC"), "IMG_1.MOV")).isZero();
        assertThat(LivePhotoPairing.firstCopyNumber(Optional.of("Photos/IMG_2 (1).HEIC"), "IMG_1.MOV")).isZero();
    }
}
