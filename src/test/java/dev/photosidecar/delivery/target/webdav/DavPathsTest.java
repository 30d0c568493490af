package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.util.List;
import org.junit.jupiter.api.Test;

@UnitTest
class DavPathsTest {
    @Test
    void everyAwkwardCharacterIsPercentEncoded() {
        assertThat(DavPaths.encodeSegment("IMG 0001 #1?.HEIC")).isEqualTo("IMG%200001%20%231%3F.HEIC");
        assertThat(DavPaths.encodeSegment("100%+ café.jpg")).isEqualTo("100%25%2B%20caf%C3%A9.jpg");
        assertThat(DavPaths.encodeSegment("a/b")).isEqualTo("a%2Fb");
    }

    @Test
    void theUserIsFilledInAndEncoded() {
        assertThat(DavPaths.userRoot("https://cloud.example/remote.php/dav/files/{user}/", "ana maría"))
                .isEqualTo("https://cloud.example/remote.php/dav/files/ana%20mar%C3%ADa/");
        assertThat(DavPaths.userRoot("http://h/dav", "x")).isEqualTo("http://h/dav/");
        assertThat(DavPaths.folder("http://h/u/", List.of("Photos", "2024"))).isEqualTo("http://h/u/Photos/2024/");
        assertThat(DavPaths.parent("http://h/u/Photos/2024/")).isEqualTo("http://h/u/Photos/");
    }
}
