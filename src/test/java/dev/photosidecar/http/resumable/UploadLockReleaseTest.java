package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.spool.SpoolHolderProcess;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An append holds its upload's lock across processes (one byte of {@code spool/partial.lock}) and lets go of it however
 * it ends: answered, refused (a wrong checksum), or cut off by its client. The witness is a real second JVM
 * ({@code SpoolHolder}) that tries to take the same lock, as another replica's request would.
 */
@FunctionalTest
class UploadLockReleaseTest {
    @TempDir
    Path data;

    private TestSidecar sidecar;
    private String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    private String create(String key, int length) {
        Response r = sidecar.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0",
                "Upload-Length", String.valueOf(length), "Upload-Metadata", "key " + b64(key) + ",filename " + b64(key + ".jpg")),
                null);
        assertThat(r.status()).as(r.body()).isEqualTo(201);
        return r.header("Location").orElseThrow();
    }

    private String otherProcessTakes(String location) throws Exception {
        String id = location.substring(location.lastIndexOf('/') + 1);
        try (SpoolHolderProcess other = SpoolHolderProcess.start("upload", data.resolve("spool").toString(), id)) {
            return other.said();
        }
    }

    @Test
    void afterAnAnsweredAppendAndARefusedOneTheLockIsFree() throws Exception {
        String location = create("k1", 10_000);
        Response ok = sidecar.http().send("PATCH", location, token, Map.of("Tus-Resumable", "1.0.0", "Upload-Offset", "0",
                "Content-Type", "application/offset+octet-stream"), Files2.randomBytes(1, 4000));
        assertThat(ok.status()).isEqualTo(204);
        assertThat(otherProcessTakes(location)).startsWith("HELD");

        Response refused = sidecar.http().send("PATCH", location, token, Map.of("Tus-Resumable", "1.0.0",
                "Upload-Offset", "4000", "Content-Type", "application/offset+octet-stream",
                "Upload-Checksum", "sha256 " + Base64.getEncoder().encodeToString(new byte[32])), Files2.randomBytes(2, 1000));
        assertThat(refused.status()).as(refused.body()).isEqualTo(460);
        assertThat(otherProcessTakes(location)).startsWith("HELD");
    }

    @Test
    void aClientThatDropsMidAppendLetsGoOfTheLock() throws Exception {
        String location = create("k2", 100_000);
        try (Socket socket = new Socket("127.0.0.1", sidecar.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("PATCH " + location + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                    + "\r\nTus-Resumable: 1.0.0\r\nUpload-Offset: 0\r\nContent-Type: application/offset+octet-stream\r\n"
                    + "Content-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.write(Files2.randomBytes(3, 30_000));
            out.flush();
            await().atMost(Duration.ofSeconds(30)).until(() -> offset(location) == 30_000);
            assertThat(otherProcessTakes(location)).as("held while the append streams").startsWith("REFUSED");
        }
        await("the lock let go after the client dropped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> otherProcessTakes(location).startsWith("HELD"));
    }

    private long offset(String location) {
        return Long.parseLong(sidecar.http().send("HEAD", location, token, Map.of("Tus-Resumable", "1.0.0"), null)
                .header("Upload-Offset").orElse("-1"));
    }

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
