package dev.photosidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The host's URL carries no password, and the deadline settings have their defaults and named errors. */
@UnitTest
class WebDavHostSettingsTest {
    private static SidecarConfig load(Map<String, String> env) {
        return new ConfigLoader(env, Optional.empty()).load();
    }

    @Test
    void aWebDavUrlWithUserInfoIsRefusedWithTheSettingsToUseAndWithoutEchoingThePassword() {
        for (String url : new String[] {"http://alice:s3cret-pw@cloud.example/remote.php/dav/files/{user}/",
                "https://s3cret-pw@cloud.example/dav/{user}/", "HTTP://alice:s3cret-pw@[::1]:8080/{user}/"}) {
            assertThatThrownBy(() -> load(Map.of("SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", url)))
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("SIDECAR_WEBDAV_URL='")
                    .hasMessageContaining("***@")
                    .hasMessageContaining("must not carry a user name or password; set SIDECAR_WEBDAV_USER and"
                            + " SIDECAR_WEBDAV_PASSWORD instead")
                    .hasMessageNotContaining("s3cret-pw");
        }
        assertThatThrownBy(() -> load(Map.of("SIDECAR_PUBLIC_URL", "https://bob:s3cret-pw@photos.example/")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_PUBLIC_URL='https://***@photos.example/'")
                .hasMessageContaining("must not carry a user name or password")
                .hasMessageNotContaining("s3cret-pw");
    }

    @Test
    void anAtSignInThePathIsNoUserInfo() {
        SidecarConfig c = load(Map.of("SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", "https://cloud.example/dav/@photos/{user}/"));
        assertThat(c.webdav().orElseThrow().baseUrl()).isEqualTo("https://cloud.example/dav/@photos/{user}/");
    }

    @Test
    void theDeadlineAndTheSlowestRateHaveDefaultsAndNamedErrors() {
        WebDavSettings d = load(Map.of("SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", "http://h/{user}/")).webdav().orElseThrow();
        assertThat(d.deadline()).isEqualTo(Duration.ofMinutes(5));
        assertThat(d.minRate()).isEqualTo(64 * 1024);
        WebDavSettings set = load(Map.of("SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", "http://h/{user}/",
                "SIDECAR_WEBDAV_DEADLINE", "90s", "SIDECAR_WEBDAV_MIN_RATE", "1MiB")).webdav().orElseThrow();
        assertThat(set.deadline()).isEqualTo(Duration.ofSeconds(90));
        assertThat(set.minRate()).isEqualTo(1 << 20);
        assertThatThrownBy(() -> load(Map.of("SIDECAR_TARGET", "webdav", "SIDECAR_WEBDAV_URL", "http://h/{user}/",
                "SIDECAR_WEBDAV_DEADLINE", "500ms", "SIDECAR_WEBDAV_MIN_RATE", "0")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_WEBDAV_DEADLINE='500ms'")
                .hasMessageContaining("SIDECAR_WEBDAV_MIN_RATE='0'");
    }
}
