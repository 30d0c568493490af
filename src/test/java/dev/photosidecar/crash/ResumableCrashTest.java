package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.SidecarProcess;
import java.io.OutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * "What does HEAD report after a crash?" The sidecar is killed (SIGKILL) in the middle of a resumable
 * upload's body. After the restart the upload is still there, its offset is exactly the bytes on disk and
 * no more than were sent, and the client finishes it from there with the right SHA-256.
 */
@CrashTest
class ResumableCrashTest {
    private static final long SIZE = 48L << 20;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    private SidecarProcess sidecar;

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void anUploadInterruptedByAKillResumesFromTheBytesOnDisk() throws Exception {
        Path data = temp.resolve("data");
        SidecarProcess.Device device = SidecarProcess.addDevice(data, "dave", "dave's phone");
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
        env.put("SIDECAR_TIME_ZONE", "UTC");
        sidecar = SidecarProcess.start(env, List.of(), temp.resolve("sidecar.log"));

        long sent = 20L << 20;
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PUT /v1/uploads/killed-video HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + device.token()
                    + "\r\nX-Filename: KILLED.MOV\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1\r\nContent-Length: " + SIZE);
            location = c.readHead().header("Location");
            c.sendBody(new GeneratedBody(SIZE), sent);
            sidecar.kill();
        }
        String id = location.substring(location.lastIndexOf('/') + 1);
        sidecar = SidecarProcess.start(env, List.of(), temp.resolve("sidecar.log"));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<Void> head = http.send(HttpRequest.newBuilder(sidecar.uri(location)).method("HEAD", HttpRequest.BodyPublishers.noBody())
                .header("Authorization", "Bearer " + device.token()).header("Upload-Draft-Interop-Version", "6").build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(head.statusCode()).as("log:\n%s", sidecar.log()).isEqualTo(204);
        long offset = Long.parseLong(head.headers().firstValue("Upload-Offset").orElseThrow());
        assertThat(offset).isBetween(0L, sent);
        assertThat(Files.size(data.resolve("spool/partial").resolve(id))).isEqualTo(offset);

        GeneratedBody rest = new GeneratedBody(SIZE);
        rest.skip(offset);
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead("PATCH " + location + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + device.token()
                    + "\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1\r\nUpload-Offset: " + offset
                    + "\r\nContent-Type: application/partial-upload\r\nContent-Length: " + (SIZE - offset));
            c.sendBody(rest, SIZE - offset);
            RawConnection.Head fin = c.readHead();
            String body = c.readBody(fin);
            assertThat(fin.status()).as(body).isEqualTo(201);
            JsonNode job = JSON.readTree(body);
            GeneratedBody whole = new GeneratedBody(SIZE);
            whole.transferTo(OutputStream.nullOutputStream());
            assertThat(job.path("sha256").asText()).isEqualTo(whole.sha256());
            assertThat(job.path("size").asLong()).isEqualTo(SIZE);
        }
        System.out.printf("ResumableCrashTest: killed after %d MiB sent, %d bytes were on disk after the restart%n", sent >> 20, offset);
    }
}
