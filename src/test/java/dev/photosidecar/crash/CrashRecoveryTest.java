package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.CrashTest;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.LedgerFile;
import dev.photosidecar.support.SidecarProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The crash test: the sidecar is killed with SIGKILL, again and again, while uploads and deliveries
 * are in flight, and restarted on the same data folder. Afterwards every upload that got a 2xx is in the
 * library exactly once and intact, and no upload that did not get one has a job.
 *
 * <p>Clients behave like phones: one stable key per photo, and an upload whose connection broke is sent
 * again with the same key once the sidecar is back, until it gets a 2xx. A crash after the job row
 * committed but before the answer reached the client is therefore expected to show up as a 200 replay on
 * the retry; "eventually got a 2xx" is what a normal client needs. Separately, some uploads are cut off
 * mid-body on purpose and never retried: those keys must never have a job.
 *
 * <p>The run is random; its seed is printed, and {@code -Dcrash.seed=N} replays the same files, sizes and
 * kill delays (thread timing still varies).
 */
@CrashTest
class CrashRecoveryTest {
    private static final String USER = "alice";
    private static final int CLIENTS = 5;
    private static final int KILLS = 6;
    private static final int MIN_SIZE = 4 * 1024;
    private static final int MAX_SIZE = 4 * 1024 * 1024;
    static final Pattern RECOVERED = Pattern.compile("Recovered (\\d+) job\\(s\\) that were being delivered");
    static final Pattern SWEPT = Pattern.compile("removed (\\d+) partial upload\\(s\\) and (\\d+) file\\(s\\)");

    /** Kept when the test fails: the data folder and the sidecar's log are the evidence. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    Path temp;

    private SidecarRuns runs;
    private Phones phones;

    @AfterEach
    void killLeftovers() {
        if (phones != null) {
            phones.close();
        }
        if (runs != null) {
            runs.close();
        }
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void everyAcknowledgedUploadIsDeliveredExactlyOnceAcrossRepeatedSigkillsAndNoCutOffUploadLeavesAJob()
            throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("CrashRecoveryTest seed: " + seed + " (rerun with -Dcrash.seed=" + seed + ")");
        Random random = new Random(seed);
        long started = System.nanoTime();

        Path dataDir = temp.resolve("data");
        Path logFile = temp.resolve("sidecar.log");
        System.out.println("CrashRecoveryTest data folder " + dataDir + ", sidecar log " + logFile);
        SidecarProcess.Device device = SidecarProcess.addDevice(dataDir, USER, "crash-test phone");
        Map<String, String> env = SidecarProcess.baseEnv(dataDir, SidecarProcess.freePort());
        env.put("SIDECAR_TIME_ZONE", "UTC");
        env.put("SIDECAR_WORKERS", "4");

        runs = new SidecarRuns(env, logFile);
        runs.start(1);
        phones = new Phones(runs, device, seed, MIN_SIZE, MAX_SIZE);
        phones.start(CLIENTS, true);

        int tempFilesSeenAfterKills = 0;
        int incomingFilesSeenAfterKills = 0;
        for (int kill = 1; kill <= KILLS; kill++) {
            // A random moment, but only one at which uploads are actually running (deliveries run behind them).
            long delayMillis = 500 + random.nextInt(2500);
            await("uploads in flight before kill " + kill)
                    .pollDelay(Duration.ofMillis(delayMillis)).pollInterval(Duration.ofMillis(5))
                    .atMost(Duration.ofMillis(delayMillis).plusSeconds(60))
                    .until(() -> phones.inFlight().size() >= 2);
            runs.kill();
            // What the kill cut through: half-written delivery temp files and half-received spool files.
            tempFilesSeenAfterKills += countFiles(dataDir.resolve("library"), n -> n.startsWith(".sidecar-"));
            incomingFilesSeenAfterKills += countFiles(dataDir.resolve("spool/incoming"), n -> true);
            runs.start(kill + 1);
        }

        // The last run is never killed: let every client finish (retrying against it) and the cutter stop.
        List<Phones.Outcome> outcomes = phones.finish();
        SidecarRuns.Run last = runs.live();

        Map<String, Phones.Outcome> expected = outcomes.stream().collect(Collectors.toMap(Phones.Outcome::key, o -> o));
        assertThat(expected).hasSize(outcomes.size());
        Map<String, JsonNode> jobs = phones.awaitAllSucceeded(last, expected.keySet(), Duration.ofSeconds(90));

        // Every 2xx upload has exactly its job, delivered where the template says, with the bytes the client sent.
        assertThat(jobs.keySet()).as("keys with a job").containsExactlyInAnyOrderElementsOf(expected.keySet());
        Path userRoot = dataDir.resolve("library").resolve(USER);
        for (Phones.Outcome o : expected.values()) {
            JsonNode job = jobs.get(o.key());
            assertThat(job.get("sha256").asText()).as("sha256 of job for %s", o.key()).isEqualTo(o.sha256());
            assertThat(job.get("size").asLong()).as("size of job for %s", o.key()).isEqualTo(o.size());
            assertThat(job.get("remotePath").asText()).as("remotePath of %s", o.key()).isEqualTo(o.expectedPath());
            assertThat(Files2.sha256(userRoot.resolve(o.expectedPath()))).as("delivered bytes of %s", o.key()).isEqualTo(o.sha256());
        }
        // A 200 is a replay: the first try can never get one, only a retry after a lost answer.
        for (Phones.Outcome o : expected.values()) {
            if (o.status() == 200) {
                assertThat(o.lostConnections()).as("lost connections before the replay of %s", o.key()).isPositive();
            }
        }
        // A body cut off mid-way never leaves a job behind, whenever the cut (or a kill) happened.
        phones.assertNoCutOffUploadHasAJob(last);
        List<String> cut = phones.cutKeys();

        int exit = runs.stop();

        // The library holds each acknowledged photo exactly once, and nothing else: no copies, no temp files.
        List<Path> libraryFiles = Files2.regularFiles(dataDir.resolve("library"));
        assertThat(libraryFiles).as("hidden files (e.g. .sidecar-*.tmp) left in the library")
                .filteredOn(p -> p.getFileName().toString().startsWith(".")).isEmpty();
        Map<String, Integer> delivered = new TreeMap<>();
        for (Path p : libraryFiles) {
            delivered.merge(Files2.sha256(p), 1, Integer::sum);
        }
        Map<String, Integer> wanted = new TreeMap<>();
        expected.values().forEach(o -> wanted.merge(o.sha256(), 1, Integer::sum));
        assertThat(delivered).as("SHA-256 → count of the files in the library").isEqualTo(wanted);

        // Everything delivered was let go of by the spool.
        assertThat(countFiles(dataDir.resolve("spool/ready"), n -> true)).as("files in spool/ready").isZero();
        assertThat(countFiles(dataDir.resolve("spool/incoming"), n -> true)).as("files in spool/incoming").isZero();

        // The ledger survived the kills intact and holds exactly the acknowledged uploads.
        Path ledger = dataDir.resolve("ledger.db");
        assertThat(LedgerFile.integrityCheck(ledger)).as("PRAGMA integrity_check").isEqualTo("ok");
        Map<String, String> ledgerStates = LedgerFile.statesByKey(ledger);
        assertThat(ledgerStates.keySet()).as("keys with a job in the ledger").containsExactlyInAnyOrderElementsOf(expected.keySet());
        assertThat(ledgerStates.values()).as("job states in the ledger").containsOnly("succeeded");

        String log = Files.readString(logFile);
        int recoveredDeliveries = sumOf(RECOVERED, log, 1);
        long replays = expected.values().stream().filter(o -> o.status() == 200).count();
        System.out.printf("CrashRecoveryTest: %d uploads acknowledged (%d created, %d replays seen), %d MiB, "
                        + "%d lost connections retried, %d SIGKILLs, %d cut-off uploads (%d answered 400, none has a job); "
                        + "after the kills: %d delivery temp files and %d partial spool files found, %d deliveries "
                        + "recovered, %d partial uploads swept; final SIGTERM exit %d; seed %d; %.1f s%n",
                expected.size(), expected.size() - replays, replays,
                expected.values().stream().mapToLong(Phones.Outcome::size).sum() >> 20,
                expected.values().stream().mapToInt(Phones.Outcome::lostConnections).sum(), KILLS, cut.size(),
                phones.cutAnswered400(), tempFilesSeenAfterKills, incomingFilesSeenAfterKills, recoveredDeliveries,
                sumOf(SWEPT, log, 1), exit, seed, (System.nanoTime() - started) / 1e9);
        // The run really did what it claims: kills landed on running deliveries, and cut-offs reached the sidecar.
        assertThat(recoveredDeliveries).as("deliveries in flight at a kill (leases recovered at restart)").isPositive();
        assertThat(phones.cutSent()).as("cut-off uploads that reached the sidecar").isPositive();
    }

    static int countFiles(Path root, java.util.function.Predicate<String> name) {
        return (int) Files2.regularFiles(root).stream().filter(p -> name.test(p.getFileName().toString())).count();
    }

    static int sumOf(Pattern p, String text, int group) {
        int sum = 0;
        Matcher m = p.matcher(text);
        while (m.find()) {
            sum += Integer.parseInt(m.group(group));
        }
        return sum;
    }
}
