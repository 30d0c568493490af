package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.HostInventory;
import dev.photosidecar.support.HostileHost;
import dev.photosidecar.support.HostileHost.Request;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.MutableClock;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-host corpus: a {@link HostileHost} stands between the sidecar and a real lighttpd and misbehaves
 * for one user (alice) while it lets another (bob) through. It redirects to a second origin that records
 * whatever reaches it, trickles its answers one byte at a time, sends endless or huge bodies, asks for absurd
 * waits, and answers Login Flow with URLs that lead elsewhere. In every case: nothing (no credential, no AppAPI
 * secret, no poll token) reaches the second origin; no request outlives its deadline; no answer is read past
 * its bound; alice's jobs end with a reason that names the bound; bob's photos are delivered meanwhile.
 *
 * <p>Each case prints a {@code hostile host:} line (bin/test collects them).
 */
@WebDavTest
class HostileHostTest {
    /** Socket timeout: longer than a trickle's pause, so only the deadline can end a trickle. */
    private static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final Duration TRICKLE = Duration.ofMillis(250);

    @TempDir
    static Path shared;
    private static WebDavServer lighttpd;

    private static final java.util.concurrent.atomic.AtomicInteger AREAS = new java.util.concurrent.atomic.AtomicInteger();

    @TempDir
    Path temp;
    /** This test's own folder on the shared lighttpd, so that no test meets another's files. */
    String area;

    @org.junit.jupiter.api.BeforeEach
    void newArea() {
        area = "area" + AREAS.incrementAndGet() + "/";
        lighttpd.seedFile(area + ".keep", new byte[0]); // the folder above the users' roots
    }

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
    void redirectsAreNotFollowedAndTheBasicCredentialsNeverReachTheOtherOrigin() {
        try (HostileHost stranger = HostileHost.recorder(); HostileHost host = HostileHost.forwardingTo(lighttpd.port())) {
            // One of alice's photos per month, one kind of redirect each; Apache HttpClient used to follow a 303
            // after any method with a GET, and to answer the stranger's Basic challenge with the credentials.
            host.policy(aliceOnly(r -> {
                String to = stranger.baseUrl() + "collect" + r.path() + "?token=x";
                if (r.method().equals("PUT") && r.path().contains("/2024/01/")) {
                    return HostileHost.redirect(303, to);
                }
                if (r.method().equals("MOVE") && r.path().contains("/2024/02/")) {
                    return HostileHost.redirect(307, to);
                }
                if (r.method().equals("PROPFIND") && r.path().endsWith("/2024/03/IMG_0003.JPG")) {
                    return HostileHost.redirect(302, to);
                }
                if (r.method().equals("MKCOL") && r.path().endsWith("/2024/04/")) {
                    return HostileHost.redirect(301, to);
                }
                return null;
            }));
            Outcome o = run("redirect to another origin", host, sharedAccount(), 4, 3);
            o.print();
            assertThat(stranger.requests()).as("requests that reached the other origin").isEmpty();
            o.assertBobDeliveredAndAliceFailed(e -> assertThat(e).startsWith("REDIRECTED: the host answered 30")
                    .contains("pointing to " + stranger.baseUrl() + "collect/" + area + "alice/").contains("?…")
                    .contains("follows no redirects"));
            assertThat(o.host().temp()).as("temporary files left: %s", o.host().tempFiles()).isZero();
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void inExAppModeTheAppApiSecretNeverReachesTheOtherOrigin() throws Exception {
        Path data = temp.resolve("data");
        ExAppIdentity identity = ExAppIdentity.create(data);
        try (HostileHost stranger = HostileHost.recorder(); HostileHost host = nextcloudInFrontOfLighttpd()) {
            // lighttpd answers no X-Hash-SHA256, so the sidecar reads the uploaded bytes back: there it is sent away.
            host.policy(r -> {
                Optional<HostileHost.Act> nc = nextcloudPages(r);
                if (nc.isPresent()) {
                    return nc.get();
                }
                return r.method().equals("GET") && r.path().contains("/files/alice/")
                        ? HostileHost.redirect(302, stranger.baseUrl() + "collect" + r.path()) : null;
            });
            Map<String, String> env = new HashMap<>(Map.of(
                    "SIDECAR_TARGET", "nextcloud",
                    "SIDECAR_WEBDAV_URL", host.baseUrl() + "remote.php/dav/files/{user}/"));
            Outcome o = run("redirect of an AppAPI read-back", host, env, data, 2, 2, s -> s.http().send("PUT", "/enabled?enabled=1",
                    null, appApi(identity), new byte[0]));
            o.print();
            assertThat(host.requests()).as("the host did get the AppAPI secret (so it was in play)")
                    .anyMatch(r -> r.header("AUTHORIZATION-APP-API").isPresent());
            assertThat(stranger.requests()).as("requests that reached the other origin").isEmpty();
            o.assertBobDeliveredAndAliceFailed(e -> assertThat(e).startsWith("REDIRECTED: the host answered 302 to GET"));
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void aHostThatTricklesItsAnswersHoldsNoWorkerPastTheDeadline() {
        try (HostileHost host = HostileHost.forwardingTo(lighttpd.port())) {
            host.policy(r -> {
                if (r.path().equals("/status.php")) {
                    return HostileHost.trickle(200, TRICKLE); // the detection too, under its own deadline
                }
                return r.path().contains("/alice/") && r.method().equals("MOVE") ? HostileHost.trickle(201, TRICKLE) : null;
            });
            Outcome o = run("trickling answers", host, sharedAccount(), 3, 3);
            o.print();
            o.assertBobDeliveredAndAliceFailed(e -> assertThat(e)
                    .startsWith("DEADLINE: MOVE to IMG_").contains("the host took longer than 2s: SIDECAR_WEBDAV_DEADLINE 2s"));
            List<HostileHost.Done> trickles = host.acts();
            assertThat(trickles).as("trickled answers").hasSizeGreaterThanOrEqualTo(3 * 2);
            // Cut at the deadline: a watchdog aborts the request, and the trickle sees the connection close at its
            // next byte or the one after. (Without a deadline a trickle lasts as long as the host likes.) The margin
            // is for a loaded machine, not for the sidecar.
            assertThat(trickles).allSatisfy(t -> assertThat(t.lasted()).as("%s lasted", t.request())
                    .isLessThan(DEADLINE.multipliedBy(2).plusSeconds(1)));
            System.out.printf("hostile host: trickle: %d answers trickled at 1 byte per %d ms, longest held %d ms"
                            + " (deadline %d ms)%n", trickles.size(), TRICKLE.toMillis(),
                    trickles.stream().mapToLong(t -> t.lasted().toMillis()).max().orElse(0), DEADLINE.toMillis());
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void endlessAndHugeAnswersAreCutAtTheirBound() {
        String multistatus = "<?xml version=\"1.0\" encoding=\"utf-8\"?><d:multistatus xmlns:d=\"DAV:\">";
        String response = "<d:response><d:href>/x</d:href><d:propstat><d:prop><d:getcontentlength>1</d:getcontentlength>"
                + "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>";
        try (HostileHost host = HostileHost.forwardingTo(lighttpd.port())) {
            host.policy(r -> {
                if (r.path().equals("/status.php")) {
                    return HostileHost.huge(200, "application/json", 256L << 20, "{\"installed\":true,\"versionstring\":\"", 'a');
                }
                if (!r.path().contains("/alice/")) {
                    return null;
                }
                if (r.method().equals("MOVE") && r.path().contains("/2024/01/")) {
                    return HostileHost.answer(412, Map.of(), ""); // the name is taken: is it the same file?
                }
                if (r.method().equals("PROPFIND") && r.path().endsWith("/2024/01/IMG_0001.JPG")) {
                    return HostileHost.endless(207, "application/xml; charset=utf-8", multistatus, response);
                }
                if (r.method().equals("PUT") && r.path().contains("/2024/02/")) {
                    return HostileHost.huge(500, "text/html", 256L << 20, "<html>", 'x');
                }
                if (r.method().equals("MKCOL") && r.path().endsWith("/2024/03/")) {
                    return HostileHost.endless(500, "text/html", "<html>", "error ");
                }
                return null;
            });
            Outcome o = run("endless and huge answers", host, sharedAccount(), 3, 3);
            o.print();
            // An answer the sidecar needs (the PROPFIND) fails at its bound; one whose body it does not need (an error
            // page) is cut at 64 KiB, and its status stands.
            o.assertBobDeliveredAndAliceFailed(e -> assertThat(e).matches("(ANSWER_TOO_LARGE: MOVE to IMG_0001.JPG failed: the"
                    + " host's answer to PROPFIND \\S+ is larger than 1.0 MiB, the most the sidecar reads for it|HOST_ERROR: the host"
                    + " answered 500 Hostile to (PUT IMG_0002.JPG|MKCOL 03)) \\(gave up after 2 attempts\\)"));
            List<HostileHost.Done> cut = host.acts();
            assertThat(cut).as("endless and huge answers").hasSizeGreaterThanOrEqualTo(1 + 3 * 2);
            // What went out before the sidecar hung up: its bound plus what the socket buffers took, never the body.
            assertThat(cut).allSatisfy(d -> assertThat(d.bytesSent()).as("bytes sent for %s", d.request())
                    .isLessThan(32L << 20));
            System.out.printf("hostile host: endless/huge: %d answers of 256 MiB or without end, at most %d KiB sent"
                    + " before the sidecar hung up%n", cut.size(), cut.stream().mapToLong(HostileHost.Done::bytesSent).max()
                    .orElse(0) / 1024);
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void anAbsurdRetryAfterIsClampedInsteadOfOverflowing() {
        try (HostileHost host = HostileHost.forwardingTo(lighttpd.port())) {
            host.policy(aliceOnly(r -> r.method().equals("PUT")
                    ? HostileHost.answer(423, Map.of("Retry-After", r.path().contains("/2024/01/")
                    ? String.valueOf(Long.MAX_VALUE) : "9".repeat(40)), "locked") : null));
            MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
            try (TestSidecar s = TestSidecar.start(temp.resolve("data"), env(host, sharedAccount()), clock)) {
                Users u = Users.enroll(s);
                List<String> alice = u.upload(s, u.alice(), 2, 1);
                u.upload(s, u.bob(), 2, 1);
                await().atMost(Duration.ofSeconds(30)).until(() -> alice.stream().allMatch(id -> {
                    Job j = s.app().ledger().find(id).orElseThrow();
                    return j.state() == JobState.PENDING && j.attempts() == 1;
                }));
                for (String id : alice) {
                    Job j = s.app().ledger().find(id).orElseThrow();
                    assertThat(j.lastError()).hasValueSatisfying(e -> assertThat(e).startsWith("LOCKED: the host answered 423"));
                    // The host asked for centuries; the job waits the longest backoff (retry_max_delay, 2 h) at most.
                    assertThat(j.nextAttemptAt()).hasValueSatisfying(at -> assertThat(at)
                            .isBetween(clock.instant(), clock.instant().plus(Duration.ofHours(2))));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> u.bobDone(s));
                System.out.printf("hostile host: Retry-After of %d and of 40 digits: clamped, alice's jobs wait at most 2 h,"
                        + " bob's delivered%n", Long.MAX_VALUE);
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void readinessIsRememberedAndProbedOnItsOwnConnectionsWhileEveryWorkerIsHeld() {
        try (HostileHost host = HostileHost.forwardingTo(lighttpd.port())) {
            host.policy(r -> r.method().equals("PUT") ? HostileHost.trickle(201, TRICKLE) : null);
            Map<String, String> env = env(host, sharedAccount());
            env.put("SIDECAR_WORKERS", "2");
            env.put("SIDECAR_WEBDAV_DEADLINE", "60s");
            try (TestSidecar s = TestSidecar.start(temp.resolve("data"), env)) {
                Users u = Users.enroll(s);
                u.upload(s, u.alice(), 2, 1);
                await().atMost(Duration.ofSeconds(20)).until(() -> host.requests().stream().filter(r -> r.method().equals("PUT")).count() >= 2);
                long probesBefore = host.requests().stream().filter(r -> r.method().equals("OPTIONS")).count();
                long started = System.nanoTime();
                int ready = 0;
                for (int i = 0; i < 50; i++) {
                    Http.Response r = s.http().get("/readyz", null);
                    assertThat(r.status()).as(r.body()).isEqualTo(200);
                    assertThat(r.json().path("checks").path("delivery").asText()).isEqualTo("ok: 2 of 2 workers busy");
                    ready++;
                }
                long probes = host.requests().stream().filter(r -> r.method().equals("OPTIONS")).count() - probesBefore;
                long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();
                // One probe per 5 s of checks, not one per check.
                assertThat(probes).as("OPTIONS probes for %d readiness checks in %d s", ready, seconds)
                        .isLessThanOrEqualTo(1 + seconds / 5 + 1);
                System.out.printf("hostile host: readiness: %d checks answered while both workers were held, %d probe(s) of"
                        + " the host%n", ready, probes);
                host.close(); // lets the held workers go before the sidecar stops
            }
        }
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES)
    void loginFlowAnswersThatLeadElsewhereAreRefusedAndSendNothingThere() throws Exception {
        try (HostileHost stranger = HostileHost.recorder(); HostileHost host = HostileHost.forwardingTo(lighttpd.port())) {
            String self = host.baseUrl();
            Map<String, Function<String, HostileHost.Act>> cases = new java.util.LinkedHashMap<>();
            cases.put("login page on another origin", t -> flow(stranger.baseUrl() + "login/v2/flow/x", self + "login/v2/poll", t));
            cases.put("poll endpoint on another origin", t -> flow(self + "login/v2/flow/x", stranger.baseUrl() + "login/v2/poll", t));
            cases.put("poll endpoint with another port", t -> flow(self + "login/v2/flow/x",
                    "http://127.0.0.1:" + stranger.port() + "/login/v2/poll", t));
            cases.put("login page that is javascript:", t -> flow("javascript:alert(document.cookie)", self + "login/v2/poll", t));
            cases.put("login page over file:", t -> flow("file:///etc/passwd", self + "login/v2/poll", t));
            cases.put("poll endpoint with user info", t -> flow(self + "login/v2/flow/x",
                    self.replace("http://", "http://eve:secret@") + "login/v2/poll", t));
            cases.put("poll endpoint over https on the host's port", t -> flow(self + "login/v2/flow/x",
                    self.replace("http://", "https://") + "login/v2/poll", t));
            Map<String, String> expected = new java.util.LinkedHashMap<>();
            cases.keySet().forEach(k -> expected.put(k, "UNTRUSTED_HOST_ANSWER"));
            cases.put("a redirect to another origin", t -> HostileHost.redirect(307, stranger.baseUrl() + "index.php/login/v2"));
            expected.put("a redirect to another origin", "HOST_UNAVAILABLE:follows no redirects");
            cases.put("a 256 MiB answer", t -> HostileHost.huge(200, "application/json", 256L << 20, "{\"login\":\"", 'a'));
            expected.put("a 256 MiB answer", "HOST_UNAVAILABLE:is larger than 1.0 MiB");
            cases.put("an endless answer", t -> HostileHost.endless(200, "application/json", "{\"login\":\"", "aaaa"));
            expected.put("an endless answer", "HOST_UNAVAILABLE:is larger than 1.0 MiB");
            cases.put("a trickled answer", t -> HostileHost.trickle(200, TRICKLE));
            expected.put("a trickled answer", "HOST_UNAVAILABLE:took longer than 2s");

            java.util.concurrent.atomic.AtomicReference<Function<String, HostileHost.Act>> current = new java.util.concurrent.atomic.AtomicReference<>();
            host.policy(r -> {
                Optional<HostileHost.Act> nc = nextcloudPages(r);
                if (nc.isPresent()) {
                    return nc.get();
                }
                return r.path().equals("/index.php/login/v2") ? current.get().apply("poll-token-" + r.path().hashCode()) : null;
            });
            Map<String, String> env = new HashMap<>(Map.of(
                    "SIDECAR_TARGET", "nextcloud",
                    "SIDECAR_WEBDAV_URL", host.baseUrl() + "remote.php/dav/files/{user}/",
                    "SIDECAR_WEBDAV_TIMEOUT", SOCKET_TIMEOUT.toMillis() + "ms",
                    "SIDECAR_WEBDAV_DEADLINE", DEADLINE.toSeconds() + "s"));
            try (TestSidecar s = TestSidecar.start(temp.resolve("data"), env)) {
                for (Map.Entry<String, Function<String, HostileHost.Act>> c : cases.entrySet()) {
                    current.set(c.getValue());
                    Http.Response r = s.http().post("/v1/login", null, "{\"name\":\"phone\"}");
                    String[] want = expected.get(c.getKey()).split(":", 2);
                    assertThat(r.status()).as("%s: %s", c.getKey(), r.body()).isEqualTo(502);
                    assertThat(r.errorCode()).as(c.getKey()).isEqualTo(want[0]);
                    String message = r.json().path("error").path("message").asText();
                    assertThat(message).as(c.getKey()).contains(want.length > 1 ? want[1] : "login flow answer points")
                            .doesNotContain("secret");
                }
                // Enrollment with an app password: a redirect of the user lookup takes the password nowhere.
                current.set(null);
                host.policy(r -> {
                    Optional<HostileHost.Act> nc = nextcloudPages(r);
                    return nc.orElseGet(() -> HostileHost.redirect(307, stranger.baseUrl() + "collect"));
                });
                Http.Response devices = s.http().send("POST", "/v1/devices", null, Map.of("Authorization", "Basic "
                                + Base64.getEncoder().encodeToString("alice:app-password-1".getBytes(StandardCharsets.UTF_8)),
                        "Content-Type", "application/json"), "{\"name\":\"phone\"}".getBytes(StandardCharsets.UTF_8));
                assertThat(devices.status()).as(devices.body()).isEqualTo(502);
                assertThat(devices.body()).contains("follows no redirects");
            }
            assertThat(stranger.requests()).as("requests that reached the other origin").isEmpty();
            System.out.printf("hostile host: login flow: %d hostile answers refused (%d that lead elsewhere), nothing sent"
                    + " to the other origin%n", cases.size() + 1, expected.values().stream().filter(v -> v.startsWith("UNTRUSTED")).count());
        }
    }

    // ------------------------------------------------------------------------------------------------

    private static HostileHost.Act flow(String login, String endpoint, String token) {
        return HostileHost.answer(200, Map.of("Content-Type", "application/json"), "{\"poll\":{\"token\":\"" + token
                + "\",\"endpoint\":\"" + endpoint + "\"},\"login\":\"" + login + "\"}");
    }

    /** A host that calls itself Nextcloud 32 and keeps its users' files in lighttpd, behind remote.php/dav/files/. */
    private HostileHost nextcloudInFrontOfLighttpd() {
        return HostileHost.forwardingTo(lighttpd.port())
                .upstreamPath(p -> p.startsWith("/remote.php/dav/files/") ? "/" + area + p.substring("/remote.php/dav/files/".length()) : p)
                .upstreamAuthorization(lighttpd.basicAuth());
    }

    /** status.php and the capabilities, as Nextcloud 32 answers them. */
    private static Optional<HostileHost.Act> nextcloudPages(Request r) {
        if (r.path().equals("/status.php")) {
            return Optional.of(HostileHost.answer(200, Map.of("Content-Type", "application/json"), "{\"installed\":true,"
                    + "\"maintenance\":false,\"needsDbUpgrade\":false,\"version\":\"32.0.1.2\",\"versionstring\":\"32.0.1\","
                    + "\"edition\":\"\",\"productname\":\"Nextcloud\",\"extendedSupport\":false}"));
        }
        if (r.path().startsWith("/ocs/v2.php/cloud/capabilities")) {
            return Optional.of(HostileHost.answer(200, Map.of("Content-Type", "application/json"), "{\"ocs\":{\"data\":"
                    + "{\"capabilities\":{\"files\":{\"chunked_upload\":{\"max_size\":104857600,\"max_parallel_count\":5}}}}}}"));
        }
        return Optional.empty();
    }

    private static Map<String, String> appApi(ExAppIdentity identity) {
        return Map.of("EX-APP-ID", identity.appId(), "EX-APP-VERSION", identity.version(), "AA-VERSION", "32.0.0",
                "AUTHORIZATION-APP-API", Base64.getEncoder().encodeToString((":" + identity.secret()).getBytes(StandardCharsets.UTF_8)));
    }

    /** Alice's requests go to {@code act}; everyone else's pass (status.php and probes too). */
    private static Function<Request, HostileHost.Act> aliceOnly(Function<Request, HostileHost.Act> act) {
        return r -> r.path().contains("/alice/") ? act.apply(r) : null;
    }

    private static Map<String, String> sharedAccount() {
        return Map.of("SIDECAR_WEBDAV_USER", lighttpd.user(), "SIDECAR_WEBDAV_PASSWORD", lighttpd.password());
    }

    private Map<String, String> env(HostileHost host, Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "SIDECAR_TARGET", "webdav",
                "SIDECAR_WEBDAV_URL", host.baseUrl() + area + "{user}/",
                "SIDECAR_WEBDAV_TIMEOUT", SOCKET_TIMEOUT.toMillis() + "ms",
                "SIDECAR_WEBDAV_CONNECT_TIMEOUT", "2s",
                "SIDECAR_WEBDAV_DEADLINE", DEADLINE.toSeconds() + "s",
                "SIDECAR_WORKERS", "4",
                "SIDECAR_MAX_ATTEMPTS", "2",
                // The clock jumps ahead by seconds at a time; no delivery may lose its lease to that.
                "SIDECAR_LEASE_DURATION", "24h"));
        env.putAll(extra);
        return env;
    }

    /** Two users with a phone each. */
    private record Users(String alice, String bob) {
        static Users enroll(TestSidecar s) {
            return new Users(s.enroll("alice", "phone"), s.enroll("bob", "phone"));
        }

        /** Uploads {@code count} photos, the i-th taken in month i (so each lands in its own folder); returns job ids. */
        List<String> upload(TestSidecar s, String token, int count, int firstMonth) {
            List<String> ids = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                int month = firstMonth + i;
                byte[] body = Files2.randomBytes(token.hashCode() + i, 16_000 + i);
                Http.Response r = s.http().put("/v1/uploads/k" + month, token, Map.of("X-Filename",
                        String.format("IMG_%04d.JPG", month), "X-Created-At", String.format("2024-%02d-10T10:00:00Z", month)), body);
                assertThat(r.status()).as(r.body()).isEqualTo(201);
                ids.add(r.json().path("id").asText());
            }
            return ids;
        }

        boolean bobDone(TestSidecar s) {
            List<Job> bob = s.app().ledger().list(Optional.of("bob"), Optional.empty(), 1000);
            return !bob.isEmpty() && bob.stream().allMatch(j -> j.state() == JobState.SUCCEEDED);
        }
    }

    private record Outcome(String fault, List<Job> alice, List<Job> bob, HostInventory.Tally host) {
        void print() {
            System.out.printf("hostile host: %s: alice %d jobs, %d failed with their reason; bob %d jobs, %d delivered%n",
                    fault, alice.size(), alice.stream().filter(j -> j.state() == JobState.FAILED).count(), bob.size(),
                    bob.stream().filter(j -> j.state() == JobState.SUCCEEDED).count());
        }

        void assertBobDeliveredAndAliceFailed(java.util.function.Consumer<String> reason) {
            assertThat(bob).allSatisfy(j -> assertThat(j.state()).as("bob's %s: %s", j.id(), j.lastError().orElse(""))
                    .isEqualTo(JobState.SUCCEEDED));
            assertThat(alice).allSatisfy(j -> {
                assertThat(j.state()).as("alice's %s", j.id()).isEqualTo(JobState.FAILED);
                assertThat(j.lastError()).as("alice's %s", j.id()).hasValueSatisfying(e -> {
                    reason.accept(e);
                    assertThat(e).contains("(gave up after 2 attempts)");
                });
            });
        }
    }

    private interface Before {
        void accept(TestSidecar s) throws Exception;
    }

    private Outcome run(String fault, HostileHost host, Map<String, String> extra, int aliceCount, int bobCount) {
        return run(fault, host, env(host, extra), temp.resolve("data"), aliceCount, bobCount, s -> {
        });
    }

    /**
     * Starts a sidecar through {@code host}, uploads alice's and bob's photos, then moves the clock on until
     * every job is succeeded or failed, and reads lighttpd.
     */
    private Outcome run(String fault, HostileHost host, Map<String, String> env, Path data, int aliceCount, int bobCount,
                        Before before) {
        Map<String, String> all = new HashMap<>(env(host, Map.of()));
        all.putAll(env);
        MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:00:00Z"));
        try (TestSidecar s = TestSidecar.start(data, all, clock)) {
            before.accept(s);
            Users u = Users.enroll(s);
            u.upload(s, u.alice(), aliceCount, 1);
            u.upload(s, u.bob(), bobCount, 1);
            await(fault + ": every job succeeded or failed").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        clock.advance(Duration.ofSeconds(10));
                        s.app().workers().wake();
                        return s.app().ledger().list(Optional.empty(), Optional.empty(), 1000).stream()
                                .allMatch(j -> j.state() == JobState.SUCCEEDED || j.state() == JobState.FAILED);
                    });
            List<Job> alice = s.app().ledger().list(Optional.of("alice"), Optional.empty(), 1000);
            List<Job> bob = s.app().ledger().list(Optional.of("bob"), Optional.empty(), 1000);
            assertThat(alice).hasSize(aliceCount);
            assertThat(bob).hasSize(bobCount);
            HostInventory.Tally tally = HostInventory.of(lighttpd.root().resolve(area)).against(List.of());
            return new Outcome(fault, alice, bob, tally);
        } catch (Exception e) {
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

}
