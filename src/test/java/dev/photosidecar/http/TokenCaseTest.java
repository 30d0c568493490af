package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: Jetty's per-connection header cache matched header lines case-insensitively and handed back the
 * cached value, so after one good request on a kept-alive connection, the same token in upper case was
 * accepted as the original. Tokens must match exactly, on any connection.
 */
@FunctionalTest
class TokenCaseTest {
    @TempDir
    Path data;

    @Test
    void aTokenInAnotherCaseIsRefusedEvenAfterTheRealOneOnTheSameConnection() {
        try (TestSidecar s = TestSidecar.start(data, Map.of())) {
            String token = s.enroll("alice", "phone");
            for (int i = 0; i < 5; i++) {
                // The test client keeps its connection alive between these calls.
                assertThat(s.http().put("/v1/uploads/real-" + i, token, Map.of(), new byte[] {1}).status()).isEqualTo(201);
                assertThat(s.http().put("/v1/uploads/upper-" + i, token.toUpperCase(Locale.ROOT), Map.of(), new byte[] {1}).status())
                        .isEqualTo(401);
                assertThat(s.http().get("/v1/jobs", "PSC_" + token.substring(4)).status()).isEqualTo(401);
                assertThat(s.http().put("/v1/uploads/real-" + i, token, Map.of("X-Filename", "A.JPG"), new byte[] {1}).status())
                        .as("the replay is recognised by its exact key and token").isEqualTo(200);
            }
        }
    }
}
