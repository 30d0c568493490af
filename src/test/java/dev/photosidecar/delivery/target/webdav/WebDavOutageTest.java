package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host goes away in the middle of a run of 200 uploads and comes back a minute later: every job still
 * ends up delivered, none spent an attempt on the outage, and the sidecar idles while it waits.
 */
@CrashTest
class WebDavOutageTest {
    @TempDir
    Path temp;

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void aMinuteLongOutageDelaysDeliveriesWithoutLosingThemOrSpendingAttempts() throws Exception {
        try (WebDavServer server = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"));
             TestSidecar s = TestSidecar.start(temp.resolve("data"), Map.of(
                     "SIDECAR_TARGET", "webdav",
                     "SIDECAR_WEBDAV_URL", server.baseUrl() + "{user}/",
                     "SIDECAR_WEBDAV_USER", server.user(),
                     "SIDECAR_WEBDAV_PASSWORD", server.password(),
                     "SIDECAR_WORKERS", "4"))) {
            String token = s.enroll("alice", "phone");
            for (int i = 0; i < 200; i++) {
                int status = s.http().put("/v1/uploads/k" + i, token, Map.of("X-Filename", "IMG_" + i + ".JPG",
                        "X-Created-At", "2024-01-01T00:00:00Z"), Files2.randomBytes(i, 200_000)).status();
                assertThat(status).isEqualTo(201);
                if (i == 60) {
                    // Stop the host while uploads are still arriving and deliveries are running.
                    await().atMost(Duration.ofSeconds(30)).until(() -> count(s, JobState.SUCCEEDED) >= 20);
                    server.stop();
                }
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> s.app().workers().breaker().isOpen());
            long delivered = count(s, JobState.SUCCEEDED);

            long cpuBefore = processCpuNanos();
            // For a minute: nothing is delivered, nothing fails, nothing spends an attempt. (Checked every 2 s:
            // the check's own queries count in the CPU figure below.)
            await().during(Duration.ofSeconds(60)).atMost(Duration.ofSeconds(70)).pollInterval(Duration.ofSeconds(2)).until(() ->
                    count(s, JobState.FAILED) == 0 && count(s, JobState.SUCCEEDED) == delivered
                            && all(s).stream().allMatch(j -> j.attempts() <= 1));
            double cpuSeconds = (processCpuNanos() - cpuBefore) / 1e9;

            server.start();
            await().atMost(Duration.ofSeconds(120)).until(() -> count(s, JobState.SUCCEEDED) == 200);

            List<Job> jobs = all(s);
            assertThat(jobs).allSatisfy(j -> assertThat(j.attempts()).as(j.id()).isEqualTo(1));
            for (Job j : jobs) {
                int i = Integer.parseInt(j.key().substring(1));
                assertThat(Files2.sha256(server.root().resolve("alice").resolve(j.remotePath().orElseThrow())))
                        .isEqualTo(Files2.sha256(Files2.randomBytes(i, 200_000)));
            }
            System.out.printf("WebDavOutageTest: %d of 200 delivered before the outage; %.2f s CPU used by this JVM "
                    + "during the 60 s outage%n", delivered, cpuSeconds);
            // Idle means idle: a few percent of one core at most while the host is away.
            assertThat(cpuSeconds).isLessThan(3.0);
        }
    }

    private static long count(TestSidecar s, JobState state) {
        return s.app().ledger().countByState().get(state);
    }

    private static List<Job> all(TestSidecar s) {
        return s.app().ledger().list(Optional.empty(), Optional.empty(), 1000);
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
