package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Load: 200 clients that trickle their upload bodies (50 devices, 4 connections each, like phones on a bad
 * link) must not starve a fast client on the same server. The fast client's latency is measured alone and
 * with the slow clients running, and printed; the test asserts only that every fast upload completes (each
 * within a loose 30 s), and that the slow uploads, when cut off, leave nothing behind.
 *
 * <p>The server-wide gate is raised to 300 here: the point is that the server itself (Jetty's threads and
 * selectors, the spool, the ledger) keeps serving; with the default of 64, uploads beyond it get
 * {@code 503 OVERLOADED} by design.
 */
@FunctionalTest
class SlowClientsLoadTest {
    private static final int SLOW_CLIENTS = 200;
    private static final int DEVICES = 50;
    private static final int FAST_UPLOADS = 20;
    private static final int BODY = 64 * 1024;

    @TempDir
    Path data;

    @Test
    void twoHundredSlowClientsDoNotStarveAFastOne() throws Exception {
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_MAX_CONCURRENT_UPLOADS", "300", "SIDECAR_WORKERS", "2"))) {
            String fast = s.enroll("fast", "laptop");
            List<String> slowTokens = new ArrayList<>();
            for (int i = 0; i < DEVICES; i++) {
                slowTokens.add(s.enroll("slow" + i, "phone"));
            }
            uploads(s, fast, "warm-up", 5);
            List<Long> alone = uploads(s, fast, "alone", FAST_UPLOADS);

            List<Socket> slow = new ArrayList<>();
            ScheduledExecutorService trickle = Executors.newScheduledThreadPool(2);
            List<Long> withSlow;
            try {
                for (int i = 0; i < SLOW_CLIENTS; i++) {
                    Socket socket = new Socket("127.0.0.1", s.port());
                    socket.getOutputStream().write(("PUT /v1/uploads/slow-" + i + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                            + slowTokens.get(i % DEVICES) + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    socket.getOutputStream().flush();
                    slow.add(socket);
                }
                // One byte per client every 200 ms: alive to the idle timeout, about 5 bytes per second each.
                List<Socket> view = Collections.unmodifiableList(slow);
                trickle.scheduleAtFixedRate(() -> {
                    for (Socket socket : view) {
                        try {
                            socket.getOutputStream().write('s');
                            socket.getOutputStream().flush();
                        } catch (IOException ignored) {
                            // a refused or closed client: nothing more to send
                        }
                    }
                }, 0, 200, TimeUnit.MILLISECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> s.app().api().describe().get("runningUploads").equals(SLOW_CLIENTS));

                withSlow = uploads(s, fast, "with-slow", FAST_UPLOADS);
                assertThat(s.app().api().describe().get("runningUploads")).as("the slow uploads were still running")
                        .isEqualTo(SLOW_CLIENTS);
            } finally {
                trickle.shutdownNow();
                for (Socket socket : slow) {
                    socket.close();
                }
            }
            System.out.printf("slow clients: %d (%d devices), fast uploads: %d x %d KiB, fast p50 alone: %d ms (max %d ms), "
                            + "with slow clients: p50 %d ms (max %d ms)%n", SLOW_CLIENTS, DEVICES, FAST_UPLOADS, BODY / 1024,
                    p50(alone), max(alone), p50(withSlow), max(withSlow));

            // The cut-off slow uploads leave nothing: no job, no partial file.
            await().atMost(Duration.ofSeconds(60)).until(() -> s.app().api().describe().get("runningUploads").equals(0));
            long jobs = s.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum();
            assertThat(jobs).isEqualTo(5 + 2L * FAST_UPLOADS);
            // At any depth: each process receives into its own folder in incoming/.
            assertThat(dev.photosidecar.support.Files2.regularFiles(data.resolve("spool/incoming"))).isEmpty();
        }
    }

    /** {@code n} sequential uploads; returns each one's latency in ms, after checking it got 201 within 30 s. */
    private static List<Long> uploads(TestSidecar s, String token, String prefix, int n) {
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            byte[] body = Files2.randomBytes(i + prefix.hashCode(), BODY);
            long start = System.nanoTime();
            Http.Response r = s.http().put("/v1/uploads/" + prefix + "-" + i, token, Map.of(), body);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertThat(r.status()).as(r.body()).isEqualTo(201);
            assertThat(ms).as("a fast upload completes within a loose 30 s").isLessThan(30_000);
            millis.add(ms);
        }
        return millis;
    }

    private static long p50(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static long max(List<Long> values) {
        return Collections.max(values);
    }
}
