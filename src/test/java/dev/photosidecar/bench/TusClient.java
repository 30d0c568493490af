package dev.photosidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The one tus client of the resumable-intake scenario: tus-js-client ({@code upload.mjs} in the tus-server-ref
 * package) uploads files over tus 1.0, {@code parallel} at a time, to the sidecar or to the reference alike.
 */
final class TusClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TusClient() {
    }

    /** One file and the key (idempotency key, in the tus metadata) it is uploaded under. */
    record Upload(String key, Path file) {
    }

    /** Uploads every file; returns the seconds from the first request to the last completion, as node timed them. */
    static double upload(Path nodePackage, String endpoint, Map<String, String> headers, int parallel, List<Upload> uploads,
                         Path workDir) throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        List<Map<String, String>> list = new ArrayList<>();
        for (Upload u : uploads) {
            list.add(Map.of("key", u.key(), "file", u.file().toString()));
        }
        Path plan = Files.createTempFile(workDir, "tus-plan-", ".json");
        JSON.writeValue(plan.toFile(), Map.of("endpoint", endpoint, "headers", headers, "parallel", parallel, "uploads", list));
        Path err = workDir.resolve("tus-client.err");
        Process p = new ProcessBuilder("node", "upload.mjs", plan.toString())
                .directory(nodePackage.toFile()).redirectError(err.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("tus-js-client to " + endpoint + " failed: " + out + Files.readString(err));
        }
        Files.delete(plan);
        JsonNode result = JSON.readTree(out.strip().lines().reduce((a, b) -> b).orElse("{}"));
        if (result.path("uploads").asInt() != uploads.size()) {
            throw new IllegalStateException("tus-js-client reported " + result + " for " + uploads.size() + " uploads");
        }
        return result.path("seconds").asDouble();
    }
}
