package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.FaultProxy;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.GeneratedBody;
import dev.photosidecar.support.HostInventory;
import dev.photosidecar.support.PostgresTestDatabase;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.SharedLedger;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.WebDavServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's replica test: sidecars (child processes on loopback) share one PostgreSQL ledger and one spool folder,
 * and deliver to one lighttpd. One dies for good, and the others finish its work.
 *
 * <p>The first test: three replicas, phones (one device each) uploading to all three at random; one replica is
 * SIGKILLed while it holds the lease on a job whose PUT to the host is half sent, and is never restarted. Then every
 * upload that got a 2xx is on the host exactly once with its SHA-256 at its path, no upload without one has a job,
 * every job succeeded within a bounded wait, no temporary file is left on the host and no delivered copy in the
 * spool; and each job the dead replica held a lease on was delivered by a survivor after that lease had expired
 * (the ledger's delivery time against the lease as it stood at the kill, the survivors' "lease ran out" and
 * "succeeded" lines, and the dead replica's log, which never says it succeeded).
 *
 * <p>The second test: a resumable upload (IETF draft, interop version 6) half sent to one replica, which is then
 * SIGKILLed; the client asks another replica for the offset and finishes there, and the file lands on the host whole,
 * exactly once. {@code -Dcrash.seed=N} replays the first test's choices.
 */
@CrashTest
class ReplicaTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PHONES = 3;
    private static final int PHOTOS_PER_PHONE = 20;
    /** The shortest lease the configuration allows: a dead replica's jobs come back within seconds. */
    private static final String LEASE = "5s";
    /** Added per 64 KiB forwarded to the replica that is to die: its PUTs take long enough to be caught mid-body. */
    private static final Duration SLOW_HOST = Duration.ofMillis(25);
    private static final Duration AIM_WAIT = Duration.ofSeconds(90);
    private static final Duration ALL_DELIVERED = Duration.ofMinutes(2);

    /** Kept when the test fails: the replicas' logs and data folders, the spool and the host's folder are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path temp;

    /** Each test's own empty ledger database, shared by its replicas. */
    private final PostgresTestDatabase.Fresh database = db.fresh();
    /** The secret key every replica is given (stored passwords sealed by one open on all). */
    private final String secretKey = newSecretKey();
    private final List<FaultProxy> proxies = new ArrayList<>();
    private final List<Phones> phones = new ArrayList<>();
    private Replicas replicas;

    @AfterEach
    void stopEverything() {
        phones.forEach(Phones::close);
        if (replicas != null) {
            replicas.close();
        }
        proxies.forEach(FaultProxy::close);
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void jobsOfAReplicaKilledMidDeliveryAreDeliveredByTheOthersOnceItsLeasesExpire() throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random random = new Random(seed);
        long started = System.nanoTime();
        int victim = random.nextInt(3);
        System.out.printf("ReplicaTest: seed %d (rerun with -Dcrash.seed=%d), replica %d is to die; evidence in %s%n",
                seed, seed, victim + 1, temp);
        SharedLedger ledger = new SharedLedger(db.server(), database.name());

        try (WebDavServer dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"))) {
            // Each replica reaches the host through its own watching proxy, so a PUT seen there is that replica's.
            KillOnPut aim = new KillOnPut();
            List<Map<String, String>> envs = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                FaultProxy proxy = FaultProxy.start(dav.port());
                proxies.add(proxy);
                if (i == victim) {
                    proxy.latency(SLOW_HOST).tap(aim);
                }
                envs.add(replicaEnv(i, dav, proxy.baseUrl() + "{user}/"));
            }
            replicas = new Replicas(envs, temp, seed);
            aim.victim = replicas.get(victim).process();

            List<SidecarProcess.Device> devices = new ArrayList<>();
            for (int p = 0; p < PHONES; p++) {
                // One user per phone: each phone's photos have their own folder on the host, so two phones' IMG_0001
                // never meet at one path.
                devices.add(SidecarProcess.addDevice(envs.get(0), user(p), "replica-test phone " + (p + 1)));
            }
            for (int p = 0; p < PHONES; p++) {
                Phones phone = new Phones(replicas, devices.get(p), seed + p, 64 * 1024, 1024 * 1024);
                phone.maxPhotos(PHOTOS_PER_PHONE);
                phones.add(phone);
                phone.start(1, p == 0);
            }

            // Kill once the phones are going, at the first PUT of the victim's that is half way to the host.
            await("the phones' first uploads").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> phones.stream().mapToInt(Phones::completed).sum() >= PHONES * 2);
            aim.armed.set(true);
            String caughtJob;
            try {
                caughtJob = aim.killed.get(AIM_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new AssertionError("replica " + (victim + 1) + " sent no PUT to the host within " + AIM_WAIT
                        + "; its log:\n" + replicas.get(victim).process().log());
            }
            replicas.kill(victim);

            // What the dead replica held, read once it is gone: nobody renews these leases any more.
            SharedLedger.JobRow caught = ledger.job(caughtJob).orElseThrow();
            assertThat(caught.state()).as("the job whose PUT was cut off by the kill: %s", caught).isEqualTo("delivering");
            String deadOwner = caught.leaseOwner();
            Map<String, SharedLedger.JobRow> held = ledger.leasedTo(deadOwner);
            assertThat(held).as("the leases the dead replica held").containsKey(caughtJob);
            System.out.printf("ReplicaTest: replica %d killed mid-PUT of job %s; it held %d lease(s) as %s: %s%n", victim + 1,
                    caughtJob, held.size(), deadOwner, held.keySet());

            // The phones go on uploading to the survivors for a while before they stop.
            int goOnUntil = Math.min(phones.stream().mapToInt(Phones::completed).sum() + PHONES * 3, PHONES * PHOTOS_PER_PHONE);
            await("uploads to the survivors").atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(50))
                    .until(() -> phones.stream().mapToInt(Phones::completed).sum() >= goOnUntil);

            Map<Integer, List<Phones.Outcome>> outcomes = new HashMap<>();
            for (int p = 0; p < PHONES; p++) {
                outcomes.put(p, phones.get(p).finish());
            }
            SidecarRuns.Run survivor = replicas.survivors().get(0);
            for (int p = 0; p < PHONES; p++) {
                Map<String, JsonNode> jobs = phones.get(p).awaitAllSucceeded(survivor,
                        outcomes.get(p).stream().map(Phones.Outcome::key).collect(Collectors.toSet()), ALL_DELIVERED);
                for (Phones.Outcome o : outcomes.get(p)) {
                    assertThat(jobs.get(o.key()).get("sha256").asText()).as("sha256 of job for %s/%s", user(p), o.key())
                            .isEqualTo(o.sha256());
                }
            }
            phones.get(0).assertNoCutOffUploadHasAJob(survivor);
            List<Integer> exits = replicas.stop();

            // The ledger: a job for exactly the acknowledged keys of each device, all succeeded.
            int acknowledged = 0;
            for (int p = 0; p < PHONES; p++) {
                Map<String, SharedLedger.JobRow> rows = ledger.byKey(devices.get(p).deviceId());
                List<String> keys = outcomes.get(p).stream().map(Phones.Outcome::key).toList();
                acknowledged += keys.size();
                assertThat(rows.keySet()).as("keys with a job, %s", user(p)).containsExactlyInAnyOrderElementsOf(keys);
                assertThat(rows.values()).as("job states of %s", user(p)).allMatch(r -> r.state().equals("succeeded"));
                for (Phones.Outcome o : outcomes.get(p)) {
                    assertThat(rows.get(o.key()).remotePath()).as("remotePath of %s/%s", user(p), o.key()).isEqualTo(o.expectedPath());
                }
            }

            // The dead replica's jobs: each delivered by a survivor, after the lease the dead one held had run out.
            List<String> survivorsLog = new ArrayList<>();
            for (int i = 0; i < replicas.count(); i++) {
                if (i != victim) {
                    survivorsLog.add(replicas.get(i).process().log());
                }
            }
            String deadLog = replicas.get(victim).process().log();
            for (SharedLedger.JobRow was : held.values()) {
                SharedLedger.JobRow now = ledger.job(was.id()).orElseThrow();
                assertThat(now.state()).as("job %s, held by the dead replica", was.id()).isEqualTo("succeeded");
                assertThat(now.deliveredAt()).as("when job %s was delivered, against its dead lease's end %s", was.id(),
                        was.leaseExpiresAt()).isAfter(was.leaseExpiresAt());
                assertThat(now.attempts()).as("attempts of job %s", was.id()).isGreaterThan(was.attempts());
                assertThat(survivorsLog).as("the survivors' lines for job %s", was.id())
                        .anyMatch(log -> hasLine(log, "job " + was.id() + " delivering -> pending", "its lease ran out"))
                        .anyMatch(log -> hasLine(log, "job " + was.id() + " delivering -> succeeded"));
                assertThat(deadLog).as("the dead replica's log").doesNotContain("job " + was.id() + " delivering -> succeeded");
            }

            // The host: every acknowledged upload exactly once, with its bytes; no temporary file left.
            int onHost = 0;
            int duplicates = 0;
            int corrupt = 0;
            List<String> problems = new ArrayList<>();
            for (int p = 0; p < PHONES; p++) {
                HostInventory.Tally t = HostInventory.of(dav.root().resolve(user(p)))
                        .against(outcomes.get(p).stream().map(Phones.Outcome::sha256).toList());
                onHost += t.onHost();
                duplicates += t.duplicates();
                corrupt += t.corrupt();
                if (!t.exactlyOnce()) {
                    problems.add(user(p) + ": " + t);
                }
                for (Phones.Outcome o : outcomes.get(p)) {
                    assertThat(Files2.sha256(dav.root().resolve(user(p)).resolve(o.expectedPath())))
                            .as("bytes of %s/%s at %s on the host", user(p), o.key(), o.expectedPath()).isEqualTo(o.sha256());
                }
            }
            // A copy in ready/ is either a job's (which must be gone once the job succeeded) or a body the killed replica
            // had committed to ready/ without its job row: that phone got no 2xx, and with other replicas alive the file
            // waits for a start that has the spool to itself (docs/architecture.md, "A spool shared by replicas").
            List<Path> inReady = Files2.regularFiles(spool().resolve("ready"));
            List<Path> delivered = inReady.stream().filter(f -> ledger.job(f.getFileName().toString()).isPresent()).toList();
            List<Path> unanswered = inReady.stream().filter(f -> !delivered.contains(f)).toList();
            List<Path> incoming = Files2.regularFiles(spool().resolve("incoming"));

            System.out.printf("replicas: %d, killed: 1, uploads acknowledged: %d, on host: %d, duplicates: %d, corrupt: %d,"
                    + " delivered after lease expiry: %d%n", replicas.count(), acknowledged, onHost, duplicates, corrupt, held.size());
            System.out.printf("ReplicaTest: %d cut-off uploads, %d replays (200); spool: %d delivered copies, %d incoming"
                            + " files left, %d unanswered bodies of the killed replica in ready/; survivors' SIGTERM exits %s;"
                            + " seed %d; %.1f s%n",
                    phones.get(0).cutKeys().size(),
                    outcomes.values().stream().flatMap(List::stream).filter(o -> o.status() == 200).count(),
                    delivered.size(), incoming.size(), unanswered.size(), exits, seed, (System.nanoTime() - started) / 1e9);

            assertThat(problems).as("the host holds every acknowledged upload exactly once").isEmpty();
            assertThat(delivered).as("delivered copies left in the spool").isEmpty();
        }
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aResumableUploadHalfSentToAReplicaThatDiesIsFinishedThroughAnother() throws Exception {
        long size = 24L << 20;
        long sent = 10L << 20;
        try (WebDavServer dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"))) {
            List<Map<String, String>> envs = List.of(replicaEnv(0, dav, dav.baseUrl() + "{user}/"),
                    replicaEnv(1, dav, dav.baseUrl() + "{user}/"));
            replicas = new Replicas(envs, temp, 1);
            SidecarProcess.Device device = SidecarProcess.addDevice(envs.get(0), "dave", "dave's phone");
            SidecarProcess a = replicas.get(0).process();
            SidecarProcess b = replicas.get(1).process();

            IetfUpload upload = new IetfUpload(device.token(), "half-sent-video", "HALF.MOV", size);
            String location;
            try (RawConnection c = new RawConnection(a.port())) {
                location = upload.create(c);
                c.sendBody(new GeneratedBody(size), sent);
                replicas.kill(0);
            }
            String id = location.substring(location.lastIndexOf('/') + 1);

            // The client asks the other replica where to go on: the bytes on the shared disk, no more than were sent.
            long offset = upload.offset(replicas.get(1).http(), b.uri(location)).orElseThrow(() -> new AssertionError(
                    "HEAD " + location + " on the other replica answered no offset; its log:\n" + replicas.get(1).process().log()));
            assertThat(offset).isBetween(0L, sent);
            assertThat(Files.size(spool().resolve("partial").resolve(id))).as("the partial upload on the shared spool")
                    .isEqualTo(offset);

            IetfUpload.Answer fin = upload.finish(b.port(), location, offset);
            assertThat(fin.status()).as("the finishing PATCH on the other replica: %s", fin.body()).isEqualTo(201);
            JsonNode job = JSON.readTree(fin.body());
            String sha256 = upload.sha256();
            assertThat(job.path("sha256").asText()).isEqualTo(sha256);
            assertThat(job.path("size").asLong()).isEqualTo(size);

            String jobId = job.path("id").asText();
            SharedLedger ledger = new SharedLedger(db.server(), database.name());
            SharedLedger.JobRow row = await("the finished upload delivered").atMost(ALL_DELIVERED).pollInterval(Duration.ofMillis(250))
                    .until(() -> ledger.job(jobId).orElseThrow(), r -> r.state().equals("succeeded"));
            assertThat(ledger.byKey(device.deviceId())).as("jobs of the device").containsOnlyKeys("half-sent-video");
            replicas.stop();

            HostInventory.Tally tally = HostInventory.of(dav.root().resolve("dave")).against(List.of(sha256));
            assertThat(tally.exactlyOnce()).as("the host holds the upload exactly once: %s", tally).isTrue();
            assertThat(Files2.sha256(dav.root().resolve("dave").resolve(row.remotePath()))).isEqualTo(sha256);
            assertThat(Files2.regularFiles(spool().resolve("partial"))).as("partial uploads left in the spool").isEmpty();
            System.out.printf("ReplicaTest resumable: replica 1 killed after %d MiB of %d sent; replica 2 had %d bytes on the"
                    + " shared spool, took the rest and delivered job %s to %s%n", sent >> 20, size >> 20, offset, jobId, row.remotePath());
        }
    }

    /** Replica {@code i}'s settings: its own data folder and port, the shared ledger, spool and secret key. */
    private Map<String, String> replicaEnv(int i, WebDavServer dav, String webdavUrl) {
        Map<String, String> env = SidecarProcess.baseEnv(temp.resolve("replica-" + (i + 1)), SidecarProcess.freePort());
        env.put("SIDECAR_DATABASE_URL", database.jdbcUrl());
        env.put("SIDECAR_DATABASE_USER", db.user());
        env.put("SIDECAR_DATABASE_PASSWORD", db.password());
        env.put("SIDECAR_SPOOL_DIR", spool().toString());
        env.put("SIDECAR_SECRET_KEY", secretKey);
        env.put("SIDECAR_TARGET", "webdav");
        env.put("SIDECAR_WEBDAV_URL", webdavUrl);
        env.put("SIDECAR_WEBDAV_USER", dav.user());
        env.put("SIDECAR_WEBDAV_PASSWORD", dav.password());
        env.put("SIDECAR_TIME_ZONE", "UTC");
        env.put("SIDECAR_WORKERS", "4");
        env.put("SIDECAR_LEASE_DURATION", LEASE);
        env.put("SIDECAR_RETRY_INITIAL_DELAY", "1s");
        env.put("SIDECAR_RETRY_MAX_DELAY", "2s");
        return env;
    }

    private Path spool() {
        return temp.resolve("shared-spool");
    }

    /** One key for all replicas, as an operator would set it (32 random bytes in base64). */
    private static String newSecretKey() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static String user(int phone) {
        return "phone-" + (phone + 1);
    }

    /** Whether one line of {@code log} contains every one of {@code parts}. */
    private static boolean hasLine(String log, String... parts) {
        return log.lines().anyMatch(l -> Arrays.stream(parts).allMatch(l::contains));
    }

    /**
     * Watches one replica's traffic to the host and, once armed, SIGKILLs it at the first PUT of a hidden temporary
     * file that is half way to the host: that replica holds the job's lease, and the delivery is cut mid-body.
     * Completes with the job's id ({@code .sidecar-{id}.tmp}).
     */
    private static final class KillOnPut implements FaultProxy.Tap {
        final AtomicBoolean armed = new AtomicBoolean();
        final CompletableFuture<String> killed = new CompletableFuture<>();
        volatile SidecarProcess victim;

        @Override
        public void requestBody(FaultProxy.Request r, long forwarded) {
            int name = r.path().indexOf("/.sidecar-");
            if (r.method().equals("PUT") && name >= 0 && forwarded < r.contentLength() && armed.compareAndSet(true, false)) {
                victim.killNow();
                String file = r.path().substring(name + "/.sidecar-".length());
                killed.complete(file.substring(0, file.indexOf(".tmp")));
            }
        }
    }
}
