package dev.photosidecar.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One deployment of the scale-out scenario: {@code n} jar sidecars on loopback, as an operator would run them behind
 * a load balancer (docs/scale-out.md), or one sidecar on its embedded SQLite ledger. The replicas share one PostgreSQL
 * database, one spool folder ({@code SIDECAR_SPOOL_DIR}), one secret key and one WebDAV folder; each has its own
 * data folder and port. There is no balancer: the client itself sends upload {@code i} to replica {@code i mod n}.
 */
final class Replicas implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final List<JarSidecar> nodes;
    private final String token;
    private final Path dir;
    private final Optional<Runnable> dropDatabase;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private Replicas(List<JarSidecar> nodes, String token, Path dir, Optional<Runnable> dropDatabase) {
        this.nodes = nodes;
        this.token = token;
        this.dir = dir;
        this.dropDatabase = dropDatabase;
    }

    /**
     * Starts {@code n} replicas on a new database {@code name} of {@code pg}, or, when {@code pg} is empty, one
     * sidecar on SQLite; they deliver into the folder {@code name/} on {@code dav}, which must exist.
     */
    static Replicas start(String name, int n, Optional<BenchPostgres> pg, Path dir, WebDavServer dav, Map<String, String> extraEnv)
            throws IOException, InterruptedException {
        if (pg.isEmpty() && n != 1) {
            throw new IllegalArgumentException("one SQLite ledger serves one sidecar, not " + n);
        }
        Map<String, String> shared = new HashMap<>();
        shared.put("SIDECAR_TIME_ZONE", "UTC");
        shared.put("SIDECAR_TARGET", "webdav");
        shared.put("SIDECAR_WEBDAV_URL", dav.baseUrl() + name + "/");
        shared.put("SIDECAR_WEBDAV_USER", dav.user());
        shared.put("SIDECAR_WEBDAV_PASSWORD", dav.password());
        String database = name.replace('-', '_');
        if (pg.isPresent()) {
            shared.put("SIDECAR_DATABASE_URL", pg.get().create(database));
            shared.put("SIDECAR_SPOOL_DIR", dir.resolve("spool").toString());
            byte[] key = new byte[32];
            RANDOM.nextBytes(key);
            shared.put("SIDECAR_SECRET_KEY", Base64.getEncoder().encodeToString(key));
        }
        shared.putAll(extraEnv);
        Optional<Runnable> drop = pg.map(p -> () -> p.drop(database));
        List<JarSidecar> nodes = new ArrayList<>();
        try {
            Map<String, String> cli = new HashMap<>(shared);
            cli.put("SIDECAR_DATA_DIR", dir.resolve("replica-0").resolve("data").toString());
            String token = JarSidecar.addDevice(cli, "alice");
            for (int i = 0; i < n; i++) {
                Path home = dir.resolve("replica-" + i);
                Map<String, String> env = new HashMap<>(SidecarProcess.baseEnv(home.resolve("data"), SidecarProcess.freePort()));
                env.putAll(shared);
                nodes.add(JarSidecar.start(env, List.of(), home));
            }
            return new Replicas(List.copyOf(nodes), token, dir, drop);
        } catch (IOException | InterruptedException | RuntimeException e) {
            nodes.forEach(JarSidecar::close);
            drop.ifPresent(Runnable::run);
            throw e;
        }
    }

    int size() {
        return nodes.size();
    }

    /** Seconds until every upload of {@code batch} answered 2xx, {@code parallel} at a time, round-robin over the replicas. */
    double upload(List<Path> batch, String prefix, int parallel) throws IOException, InterruptedException {
        List<Curl.Upload> list = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            String name = prefix + "-" + batch.get(i).getFileName();
            list.add(new Curl.Upload(nodes.get(i % nodes.size()).uri("/v1/uploads/" + name), batch.get(i),
                    Map.of("X-Filename", name, "Content-Type", "image/jpeg")));
        }
        return Curl.put(list, Map.of("Authorization", "Bearer " + token), parallel, dir);
    }

    /** CPU seconds (user + system) all replicas have used so far. */
    double cpuSeconds() {
        return nodes.stream().mapToDouble(JarSidecar::cpuSeconds).sum();
    }

    /**
     * Waits until no job is pending or delivering (on a shared ledger any replica sees every job); polls every
     * 20 ms, as scenario 2 does. Fails when a job failed or after 10 minutes.
     */
    void awaitAllDelivered() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + 600_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (getJson("/v1/jobs?state=pending&limit=1").get("jobs").isEmpty()
                    && getJson("/v1/jobs?state=delivering&limit=1").get("jobs").isEmpty()) {
                JsonNode failed = getJson("/v1/jobs?state=failed&limit=1");
                if (!failed.get("jobs").isEmpty()) {
                    throw new IllegalStateException("a job failed: " + failed);
                }
                return;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("deliveries did not finish within 10 minutes; log of replica 0:\n" + nodes.get(0).log());
    }

    /** Jobs in {@code state}, counted page by page. */
    int countJobs(String state) throws IOException, InterruptedException {
        int n = 0;
        String cursor = null;
        do {
            JsonNode page = getJson("/v1/jobs?state=" + state + "&limit=500" + (cursor == null ? "" : "&cursor=" + cursor));
            n += page.get("jobs").size();
            cursor = page.get("nextCursor").isNull() ? null : page.get("nextCursor").asText();
        } while (cursor != null);
        return n;
    }

    private JsonNode getJson(String path) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(nodes.get(0).uri(path))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return JSON.readTree(r.body());
    }

    @Override
    public void close() throws IOException {
        nodes.forEach(JarSidecar::close);
        dropDatabase.ifPresent(Runnable::run);
        DurableWrites.deleteTree(dir);
    }
}
