package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.SidecarProcess;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With SIDECAR_LOG_FORMAT=json every log line is JSON, and job transitions carry job, user and device. */
@FunctionalTest
class JsonLogTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void jsonLinesFollowAJobFromIntakeToDeliveryWithoutTheToken() throws Exception {
        Path data = temp.resolve("data");
        SidecarProcess.Device device = SidecarProcess.addDevice(data, "alice", "phone");
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());
        env.put("SIDECAR_LOG_FORMAT", "json");
        try (SidecarProcess sidecar = SidecarProcess.start(env, List.of(), temp.resolve("sidecar.log"))) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(sidecar.uri("/v1/uploads/log-1"))
                    .header("Authorization", "Bearer " + device.token()).header("X-Filename", "a.jpg")
                    .PUT(HttpRequest.BodyPublishers.ofString("photo bytes")).build(), HttpResponse.BodyHandlers.ofString());
            String jobId = JSON.readTree(created.body()).path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> sidecar.log().contains("-> succeeded"));

            List<JsonNode> transitions = new ArrayList<>();
            for (String line : sidecar.log().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode event = JSON.readTree(line);
                assertThat(event.has("level")).as(line).isTrue();
                if (event.path("formattedMessage").asText().startsWith("job " + jobId)) {
                    transitions.add(event);
                }
            }
            assertThat(transitions).extracting(e -> e.path("formattedMessage").asText())
                    .anySatisfy(m -> assertThat(m).contains("received -> pending"))
                    .anySatisfy(m -> assertThat(m).contains("pending -> delivering"))
                    .anySatisfy(m -> assertThat(m).contains("delivering -> succeeded"));
            assertThat(transitions).allSatisfy(e -> assertThat(e.toString())
                    .contains("\"job\"").contains(jobId).contains("alice").contains(device.deviceId()));
            assertThat(sidecar.log()).doesNotContain(device.token());
        }
    }
}
