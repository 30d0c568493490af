package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.FaultProxy;
import dev.photosidecar.support.FaultProxy.Fault;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.TestSidecar;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real tus-js-client (npm, pinned in src/test/node/tus-peer) drives the sidecar over tus 1.0 and both IETF
 * drafts it speaks ({@code ietf-draft-03} = interop 5, {@code ietf-draft-05} = interop 6). A loopback proxy resets
 * each upload's first body in the middle; a new Upload object resumes at the URL the first was given. The job's
 * SHA-256 is the file's, and the library holds exactly one copy of each.
 *
 * <p>Node is needed: outside CI the test is skipped with a message when it is missing, in CI ({@code CI=true}) it
 * fails. The npm packages are installed with {@code npm ci} into {@code target/tus-peer} when missing.
 */
@FunctionalTest
class TusJsClientPeerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));
    private static final int MiB = 1024 * 1024;

    @TempDir
    Path tmp;

    @Test
    void tusJsClientResumesAfterACutConnectionOverTusAndBothIetfDrafts() throws Exception {
        Path node = executable("node");
        Path peer = installPeer(executable("npm"));
        try (TestSidecar sidecar = TestSidecar.start(tmp.resolve("data"), Map.of());
             FaultProxy proxy = FaultProxy.start(sidecar.port())) {
            String token = sidecar.enroll("alice", "Alice's laptop");
            // The first request of each upload that carries bytes is reset halfway through its body.
            Set<String> cut = ConcurrentHashMap.newKeySet();
            proxy.policy(r -> r.contentLength() > 0 && cut.add(r.path()) ? Fault.RESET_MID_BODY : Fault.PASS);

            List<Map<String, Object>> uploads = new ArrayList<>();
            Map<String, byte[]> files = new java.util.HashMap<>();
            String[][] runs = {{"tus-v1", "stream"}, {"ietf-draft-03", "stream"}, {"ietf-draft-05", "stream"}, {"ietf-draft-05", "buffer"}};
            for (int i = 0; i < runs.length; i++) {
                String key = "tusjs-" + runs[i][0] + "-" + runs[i][1];
                byte[] bytes = Files2.randomBytes(700 + i, 3 * MiB + 1234 * i);
                Path file = Files.write(tmp.resolve(key + ".mov"), bytes);
                files.put(key, bytes);
                uploads.add(Map.of("protocol", runs[i][0], "source", runs[i][1], "key", key, "file", file.toString()));
            }
            Path plan = tmp.resolve("plan.json");
            JSON.writeValue(plan.toFile(), Map.of("endpoint", "http://127.0.0.1:" + proxy.port(), "token", token, "uploads", uploads));

            List<JsonNode> results = runNode(node, peer.resolve("drive.mjs"), plan);
            assertThat(results).hasSize(runs.length);
            for (JsonNode r : results) {
                String key = r.path("key").asText();
                byte[] bytes = files.get(key);
                System.out.println("TusJsClientPeerTest: " + r);
                assertThat(r.path("first").path("ok").asBoolean()).as("the cut fails the first upload object: %s", r).isFalse();
                assertThat(r.path("second").path("ok").asBoolean()).as("a new upload object resumes: %s", r).isTrue();
                JsonNode job = awaitSucceeded(sidecar, token, key);
                assertThat(job.path("sha256").asText()).isEqualTo(Files2.sha256(bytes));
                assertThat(r.path("second").path("jobId").asText()).as("the receipt names the job").isEqualTo(job.path("id").asText());
                assertThat(r.path("second").path("reprDigest").asText())
                        .isEqualTo("sha-256=:" + Base64.getEncoder().encodeToString(Files2.sha256Bytes(bytes)) + ":");
                List<Path> copies = Files2.regularFiles(sidecar.library("alice")).stream()
                        .filter(p -> p.getFileName().toString().startsWith(key)).toList();
                assertThat(copies).as("exactly one copy of %s in the library", key).hasSize(1);
                assertThat(Files2.sha256(copies.get(0))).isEqualTo(Files2.sha256(bytes));
            }
            assertThat(proxy.injected(Fault.RESET_MID_BODY)).isEqualTo(runs.length);
            assertThat(sidecar.app().resumable().unfinished()).isEmpty();
        }
    }

    /** An executable on the PATH; outside CI its absence skips the test, in CI it fails it. */
    private static Path executable(String name) {
        Optional<Path> found = java.util.Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .map(dir -> Path.of(dir, name)).filter(Files::isExecutable).findFirst();
        if (found.isEmpty()) {
            String why = name + " is not on the PATH: the tus-js-client peer test needs Node.js 18+ and npm";
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError(why + " (CI=true: it must run here)");
            }
            System.out.println("SKIPPED: " + why);
            Assumptions.abort(why);
        }
        return found.get();
    }

    /** Copies the peer into target/tus-peer and runs {@code npm ci} there when its packages are missing. */
    private static Path installPeer(Path npm) throws Exception {
        Path source = ROOT.resolve("src/test/node/tus-peer");
        Path peer = ROOT.resolve("target/tus-peer");
        Files.createDirectories(peer);
        boolean changed = false;
        for (String f : List.of("package.json", "package-lock.json", "drive.mjs")) {
            Path to = peer.resolve(f);
            changed |= f.startsWith("package") && (!Files.exists(to) || Files.mismatch(source.resolve(f), to) >= 0);
            Files.copy(source.resolve(f), to, StandardCopyOption.REPLACE_EXISTING);
        }
        if (changed || !Files.isDirectory(peer.resolve("node_modules/tus-js-client"))) {
            Process p = new ProcessBuilder(npm.toString(), "ci", "--no-audit", "--no-fund", "--prefer-offline")
                    .directory(peer.toFile()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(5, TimeUnit.MINUTES)).as("npm ci finished").isTrue();
            System.out.println("TusJsClientPeerTest: npm ci -> " + out.strip());
            assertThat(p.exitValue()).as("npm ci in %s: %s", peer, out).isZero();
        }
        return peer;
    }

    private static List<JsonNode> runNode(Path node, Path script, Path plan) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(node.toString(), script.toString(), plan.toString())
                .directory(script.getParent().toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("the tus-js-client driver did not finish in 3 minutes; so far: " + out);
        }
        assertThat(p.exitValue()).as("node %s: %s", script, out).isZero();
        List<JsonNode> results = new ArrayList<>();
        for (String line : out.split("\n")) {
            if (line.startsWith("{")) {
                results.add(JSON.readTree(line));
            }
        }
        return results;
    }

    private static JsonNode awaitSucceeded(TestSidecar sidecar, String token, String key) {
        JsonNode[] job = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            job[0] = sidecar.http().get("/v1/uploads/" + key, token).json();
            return job[0].path("state").asText().equals("succeeded");
        });
        return job[0];
    }
}
