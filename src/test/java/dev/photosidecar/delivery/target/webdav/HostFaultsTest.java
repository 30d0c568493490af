package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.FaultProxy;
import dev.photosidecar.support.FaultProxy.Fault;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.HostInventory;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host misbehaves between the sidecar and a real lighttpd: a {@link FaultProxy} adds latency, resets
 * connections in the middle of a request body, stalls answers past the socket timeout, truncates answers,
 * or swallows requests. Every job still ends {@code succeeded}, or {@code failed} with its reason when the
 * fault never goes away; nothing on the host is duplicated, corrupt or left behind as a temporary file.
 *
 * <p>Retries and host probes run on an injected clock that the test moves forward; only the socket timeout
 * (kept at 500 ms) and the proxy's own stalls take real time.
 */
@CrashTest
class HostFaultsTest {
    private static final Duration SOCKET_TIMEOUT = Duration.ofMillis(500);
    /** Longer than the socket timeout, so the sidecar gives up on the answer before the proxy drops it. */
    private static final Duration STALL = Duration.ofMillis(800);
    private static final int JOBS = 30;

    @TempDir
    static Path shared;
    private static WebDavServer lighttpd;

    @TempDir
    Path temp;

    @BeforeAll
    static void startHost() {
        lighttpd = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, shared.resolve("dav"));
    }

    @AfterAll
    static void stopHost() {
        if (lighttpd != null) {
            lighttpd.close();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void latencyOnEveryPacketStillDeliversEveryJobOnce() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port()).latency(Duration.ofMillis(3))) {
            Outcome o = run("latency", proxy, JOBS, Map.of());
            o.print();
            o.assertAllSucceededExactlyOnce();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void connectionResetInTheMiddleOfTheBodyIsRetriedUntilDelivered() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port())) {
            // Every upload's first PUT is cut off halfway through its body.
            proxy.policy(firstTimeOnly(r -> r.method().equals("PUT"), r -> Fault.RESET_MID_BODY));
            Outcome o = run("reset-mid-body", proxy, JOBS, Map.of());
            o.print();
            o.assertAllSucceededExactlyOnce();
            assertThat(proxy.injected(Fault.RESET_MID_BODY)).as("PUTs reset mid-body").isEqualTo(JOBS);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void answersStalledPastTheSocketTimeoutAfterTheHostActedAreRetriedWithoutDuplicates() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port()).stall(STALL)) {
            // The host does the PUT, MOVE or PROPFIND, but its answer never reaches the sidecar in time.
            proxy.policy(firstTimeOnly(oneStepPerUpload(), r -> Fault.STALL));
            Outcome o = run("stall", proxy, JOBS / 2, Map.of());
            o.print();
            o.assertAllSucceededExactlyOnce();
            assertThat(proxy.injected(Fault.STALL)).as("stalled answers").isGreaterThanOrEqualTo(JOBS / 2);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aHostThatStopsReadingInTheMiddleOfABigBodyDoesNotHoldTheDeliveryForever() {
        // Far longer than the test may wait: a delivery that only gets on once the proxy lets go has hung.
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port()).stall(Duration.ofMinutes(5))) {
            // Bodies larger than what the sidecar's socket buffer (4 MiB at most here) and the proxy's can hold.
            proxy.policy(firstTimeOnly(r -> r.method().equals("PUT") && r.contentLength() > 5_000_000, r -> Fault.STALL_MID_BODY));
            Outcome o = run("stall-mid-body", proxy, 2, Map.of(), 6_000_000, 7_000_000, (s, clock) -> {
            });
            o.print();
            o.assertAllSucceededExactlyOnce();
            assertThat(proxy.injected(Fault.STALL_MID_BODY)).as("bodies stalled").isEqualTo(2);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void truncatedAnswersAreNeverTakenForSuccess() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port())) {
            proxy.policy(firstTimeOnly(oneStepPerUpload(), r -> Fault.TRUNCATE));
            Outcome o = run("truncate", proxy, JOBS, Map.of());
            o.print();
            o.assertAllSucceededExactlyOnce();
            assertThat(proxy.injected(Fault.TRUNCATE)).as("truncated answers").isGreaterThanOrEqualTo(JOBS);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aHostThatAcceptsConnectionsButNeverAnswersPausesDeliveriesWithoutSpendingAttempts() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port())) {
            proxy.blackHole(true);
            Outcome o = run("never-answer (outage, then back)", proxy, JOBS, Map.of(), (s, clock) -> {
                // While the host is silent: the breaker opens, every job waits with the reason, no attempt is spent.
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                    clock.advance(Duration.ofSeconds(10));
                    s.app().workers().wake();
                    return s.app().workers().breaker().isOpen()
                            && jobs(s).stream().filter(j -> j.attempts() > 0).allMatch(j -> j.lastError().isPresent());
                });
                List<Job> waiting = jobs(s);
                assertThat(waiting).allSatisfy(j -> {
                    assertThat(j.state()).as(j.id()).isIn(JobState.PENDING, JobState.DELIVERING);
                    assertThat(j.attempts()).as("attempts of %s during the outage", j.id()).isLessThanOrEqualTo(1);
                });
                assertThat(waiting).filteredOn(j -> j.lastError().isPresent())
                        .allSatisfy(j -> assertThat(j.lastError().get()).startsWith("HOST_UNAVAILABLE"));
                assertThat(HostInventory.of(lighttpd.root().resolve(user(s))).byHash()).isEmpty();
                proxy.blackHole(false);
            });
            o.print();
            o.assertAllSucceededExactlyOnce();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void uploadsTheHostNeverAnswersFailWithTheReasonOnceAttemptsAreUsedUpAndLeaveNothingBehind() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port())) {
            // The host answers everything (so it is up) except the uploads themselves, forever.
            proxy.policy(r -> r.method().equals("PUT") ? Fault.NEVER_ANSWER : Fault.PASS);
            Outcome o = run("never-answer (permanent, uploads only)", proxy, JOBS / 4, Map.of("SIDECAR_MAX_ATTEMPTS", "2"));
            o.print();
            assertThat(o.failed()).as("failed jobs").isEqualTo(o.jobs().size());
            assertThat(o.jobs()).allSatisfy(j -> assertThat(j.lastError()).as("lastError of %s", j.id())
                    .hasValueSatisfying(e -> assertThat(e).startsWith("TIMEOUT: PUT").contains("gave up after 2 attempts")));
            assertThat(o.host().onHost()).as("uploads on the host").isZero();
            assertThat(o.host().temp()).as("temporary files left on the host: %s", o.host().tempFiles()).isZero();
            assertThat(o.host().corrupt()).isZero();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void uploadsWhoseAnswerNeverArrivesFailWithTheReasonAndTheirTemporaryFileIsRemovedFromTheHost() {
        try (FaultProxy proxy = FaultProxy.start(lighttpd.port()).stall(STALL)) {
            // The host stores every PUT, but its answer is always held back past the socket timeout.
            proxy.policy(r -> r.method().equals("PUT") ? Fault.STALL : Fault.PASS);
            Outcome o = run("stall (permanent, uploads only)", proxy, JOBS / 4, Map.of("SIDECAR_MAX_ATTEMPTS", "2"));
            o.print();
            assertThat(o.failed()).as("failed jobs").isEqualTo(o.jobs().size());
            assertThat(o.jobs()).allSatisfy(j -> assertThat(j.lastError()).as("lastError of %s", j.id())
                    .hasValueSatisfying(e -> assertThat(e).startsWith("TIMEOUT: PUT").contains("gave up after 2 attempts")));
            assertThat(o.host().temp()).as("temporary files left on the host: %s", o.host().tempFiles()).isZero();
            assertThat(o.host().onHost()).as("uploads on the host").isZero();
            assertThat(o.host().corrupt()).isZero();
        }
    }

    // ------------------------------------------------------------------------------------------------

    /** What became of one fault's jobs. */
    private record Outcome(String fault, List<Job> jobs, HostInventory.Tally host) {
        long succeeded() {
            return jobs.stream().filter(j -> j.state() == JobState.SUCCEEDED).count();
        }

        long failed() {
            return jobs.stream().filter(j -> j.state() == JobState.FAILED).count();
        }

        void print() {
            System.out.printf("fault: %s, jobs: %d, succeeded: %d, failed: %d, duplicates: %d, corrupt: %d, "
                            + "temp files: %d, attempts: %d%n", fault, jobs.size(), succeeded(), failed(), host.duplicates(),
                    host.corrupt(), host.temp(), jobs.stream().mapToInt(Job::attempts).sum());
        }

        void assertAllSucceededExactlyOnce() {
            assertThat(jobs).allSatisfy(j -> assertThat(j.state()).as("%s: %s", j.id(), j.lastError().orElse(""))
                    .isEqualTo(JobState.SUCCEEDED));
            assertThat(host.exactlyOnce()).as("%s on the host: %s", fault, host).isTrue();
        }
    }

    private interface DuringRun {
        void accept(TestSidecar s, MutableClock clock) throws Exception;
    }

    private Outcome run(String fault, FaultProxy proxy, int count, Map<String, String> extra) {
        return run(fault, proxy, count, extra, (s, c) -> {
        });
    }

    private Outcome run(String fault, FaultProxy proxy, int count, Map<String, String> extra, DuringRun during) {
        return run(fault, proxy, count, extra, 16_000, 400_000, during);
    }

    /**
     * Starts a sidecar that delivers through {@code proxy}, uploads {@code count} photos (of {@code minSize} to
     * {@code maxSize} bytes), runs {@code during},
     * then moves the clock on until every job is succeeded or failed, and reads the host.
     */
    private Outcome run(String fault, FaultProxy proxy, int count, Map<String, String> extra, int minSize, int maxSize,
                        DuringRun during) {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        Map<String, String> env = new HashMap<>(Map.of(
                "SIDECAR_TARGET", "webdav",
                "SIDECAR_WEBDAV_URL", proxy.baseUrl() + "{user}/",
                "SIDECAR_WEBDAV_USER", lighttpd.user(),
                "SIDECAR_WEBDAV_PASSWORD", lighttpd.password(),
                "SIDECAR_WEBDAV_TIMEOUT", SOCKET_TIMEOUT.toMillis() + "ms",
                "SIDECAR_WEBDAV_CONNECT_TIMEOUT", "2s",
                "SIDECAR_WORKERS", "4",
                // The clock jumps ahead by seconds at a time; no delivery may lose its lease to that.
                "SIDECAR_LEASE_DURATION", "24h"));
        env.putAll(extra);
        String user = fault.replaceAll("[^a-z]", "");
        try (TestSidecar s = TestSidecar.start(temp.resolve("data"), env, clock)) {
            String token = s.enroll(user, "phone");
            Map<String, String> shaByKey = new HashMap<>();
            SplittableRandom random = new SplittableRandom(fault.hashCode());
            for (int i = 0; i < count; i++) {
                byte[] body = Files2.randomBytes(random.nextLong(), minSize + random.nextInt(maxSize - minSize));
                String key = "k" + i;
                int status = s.http().put("/v1/uploads/" + key, token, Map.of("X-Filename", String.format("IMG_%04d.JPG", i),
                        "X-Created-At", "2024-05-01T10:00:00Z"), body).status();
                assertThat(status).as("upload %s", key).isEqualTo(201);
                shaByKey.put(key, Files2.sha256(body));
            }
            during.accept(s, clock);
            await(fault + ": every job succeeded or failed").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        clock.advance(Duration.ofSeconds(10));
                        s.app().workers().wake();
                        return jobs(s).stream().allMatch(j -> j.state() == JobState.SUCCEEDED || j.state() == JobState.FAILED);
                    });
            List<Job> jobs = jobs(s);
            assertThat(jobs).hasSize(count);
            jobs.stream().filter(j -> j.state() == JobState.SUCCEEDED).forEach(j -> assertThat(
                    Files2.sha256(lighttpd.root().resolve(user).resolve(j.remotePath().orElseThrow())))
                    .as("bytes of %s at %s", j.key(), j.remotePath().get()).isEqualTo(shaByKey.get(j.key())));
            HostInventory.Tally host = HostInventory.of(lighttpd.root().resolve(user)).against(jobs.stream()
                    .filter(j -> j.state() == JobState.SUCCEEDED).map(Job::sha256).toList());
            return new Outcome(fault, jobs, host);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    private static String user(TestSidecar s) {
        return jobs(s).get(0).userId();
    }

    private static List<Job> jobs(TestSidecar s) {
        return s.app().ledger().list(Optional.empty(), Optional.empty(), 10_000);
    }

    /** The fault hits the first request of each method and path that {@code which} selects; repeats pass. */
    private static Function<FaultProxy.Request, Fault> firstTimeOnly(Predicate<FaultProxy.Request> which,
                                                                     Function<FaultProxy.Request, Fault> fault) {
        Set<String> seen = ConcurrentHashMap.newKeySet();
        return r -> which.test(r) && seen.add(r.method() + " " + r.path()) ? fault.apply(r) : Fault.PASS;
    }

    /**
     * Steps of each upload's delivery: the PUT or the MOVE of two thirds of the uploads (chosen by the
     * temporary name), and every PROPFIND that verifies a landed file.
     */
    private static Predicate<FaultProxy.Request> oneStepPerUpload() {
        return r -> {
            int pick = Math.floorMod(r.path().hashCode(), 3);
            boolean temp = r.path().contains(".sidecar-");
            return switch (r.method()) {
                case "PUT" -> temp && pick == 0;
                case "MOVE" -> temp && pick == 1;
                case "PROPFIND" -> !temp && r.path().endsWith(".JPG");
                default -> false;
            };
        };
    }
}
