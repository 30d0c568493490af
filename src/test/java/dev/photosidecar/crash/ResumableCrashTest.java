package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.SidecarProcess;
import java.net.http.HttpClient;
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
        IetfUpload upload = new IetfUpload(device.token(), "killed-video", "KILLED.MOV", SIZE);
        String location;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            location = upload.create(c);
            c.sendBody(new GeneratedBody(SIZE), sent);
            sidecar.kill();
        }
        String id = location.substring(location.lastIndexOf('/') + 1);
        sidecar = SidecarProcess.start(env, List.of(), temp.resolve("sidecar.log"));

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        long offset = upload.offset(http, sidecar.uri(location)).orElseThrow(() -> new AssertionError(
                "HEAD " + location + " after the restart answered no offset; log:\n" + sidecar.log()));
        assertThat(offset).isBetween(0L, sent);
        assertThat(Files.size(data.resolve("spool/partial").resolve(id))).isEqualTo(offset);

        IetfUpload.Answer fin = upload.finish(sidecar.port(), location, offset);
        assertThat(fin.status()).as(fin.body()).isEqualTo(201);
        JsonNode job = JSON.readTree(fin.body());
        assertThat(job.path("sha256").asText()).isEqualTo(upload.sha256());
        assertThat(job.path("size").asLong()).isEqualTo(SIZE);
        System.out.printf("ResumableCrashTest: killed after %d MiB sent, %d bytes were on disk after the restart%n", sent >> 20, offset);
    }
}
