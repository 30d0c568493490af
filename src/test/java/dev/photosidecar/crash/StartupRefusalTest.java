package dev.photosidecar.crash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.Main;
import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.ledger.SharedState;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteCredentialStore;
import dev.photosidecar.ledger.sqlite.SqliteLedger;
import dev.photosidecar.server.App;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A careless operator's start: the ledger or the secret key is missing (a restore gone wrong, a volume mounted at
 * the wrong place) beside data that needs it. {@code photo-sidecar serve}, started as a real process, refuses with
 * one line that names the files and the fix, and deletes nothing; the explicit flag starts it, moving the spool
 * aside instead of deleting it.
 */
@FunctionalTest
class StartupRefusalTest {
    @TempDir
    Path temp;

    /** Every file of the spool's ready/ and partial/, by path inside the spool, with its SHA-256. */
    private static Map<String, String> spoolFiles(Path spool) throws IOException {
        Map<String, String> files = new TreeMap<>();
        for (String area : List.of("ready", "partial")) {
            Path dir = spool.resolve(area);
            if (Files.isDirectory(dir)) {
                try (Stream<Path> list = Files.list(dir)) {
                    for (Path f : list.toList()) {
                        files.put(area + "/" + f.getFileName(), Files2.sha256(f));
                    }
                }
            }
        }
        return files;
    }

    /** Three photos waiting for a host that is down, and one resumable upload half sent: the spool holds them. */
    private static Map<String, String> dataFolderWithPendingUploads(Path data) throws IOException {
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_TARGET", "webdav",
                "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/dav/{user}/", "SIDECAR_WORKERS", "1"))) {
            String token = s.enroll("alice", "phone");
            for (int i = 1; i <= 3; i++) {
                Response r = s.http().put("/v1/uploads/photo-" + i, token, Map.of("X-Filename", "IMG_" + i + ".HEIC"),
                        Files2.randomBytes(i, 50_000));
                assertThat(r.status()).isEqualTo(201);
            }
            Response tus = s.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0", "Upload-Length", "100000",
                    "Upload-Metadata", "key " + Base64.getEncoder().encodeToString("video-1".getBytes(StandardCharsets.UTF_8)),
                    "Content-Type", "application/offset+octet-stream"), Files2.randomBytes(4, 40_000));
            assertThat(tus.status()).as(tus.body()).isEqualTo(201);
        }
        Map<String, String> files = spoolFiles(data.resolve("spool"));
        assertThat(files).hasSize(4);
        return files;
    }

    /** How a CLI command ended. */
    record Cli(int code, String out, String err) {
    }

    /** Runs a CLI command in this JVM (as the launcher would), with {@code data} as its data folder. */
    private Cli cli(Path data, String stdin, String... args) throws IOException {
        Path config = temp.resolve("cli.yaml");
        Files.writeString(config, "data_dir: " + data + "\n");
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();
        java.io.InputStream stdinBefore = System.in;
        System.setIn(new java.io.ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        try {
            String[] all = Stream.concat(Stream.of(args), Stream.of("--config", config.toString())).toArray(String[]::new);
            int code = Main.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true), all);
            return new Cli(code, out.toString(), err.toString());
        } finally {
            System.setIn(stdinBefore);
        }
    }

    private static void deleteLedger(Path data) throws IOException {
        for (String f : List.of("ledger.db", "ledger.db-wal", "ledger.db-shm")) {
            Files.deleteIfExists(data.resolve(f));
        }
    }

    private static void assertOneLineRefusal(SidecarProcess.Exit exit, String... mentions) {
        System.out.println("refused start: exit " + exit.code() + ", " + exit.err().strip());
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.err().strip()).doesNotContain("\n").startsWith("photo-sidecar: ").contains(mentions)
                .doesNotContain("Exception");
    }

    @Test
    void aMissingLedgerBesideASpoolWithUploadsRefusesToStartDeletesNothingAndTheFlagMovesTheSpoolAside() throws Exception {
        Path data = temp.resolve("data");
        Map<String, String> before = dataFolderWithPendingUploads(data);
        deleteLedger(data);
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());

        SidecarProcess.Exit refused = SidecarProcess.run(env, "serve");
        assertOneLineRefusal(refused, data.resolve("ledger.db") + " is missing", "4 upload file(s)", "--accept-empty-ledger",
                "Restore ledger.db");
        assertThat(data.resolve("ledger.db")).as("no empty ledger was made").doesNotExist();
        assertThat(spoolFiles(data.resolve("spool"))).as("the spool is untouched").isEqualTo(before);
        Cli cli = cli(data, "", "device", "list");
        assertThat(cli.code()).as("the CLI does not make an empty ledger either: %s", cli.err()).isEqualTo(2);
        assertThat(cli.err()).contains("is missing");
        assertThat(data.resolve("ledger.db")).doesNotExist();

        Path log = temp.resolve("accepted.log");
        try (SidecarProcess p = SidecarProcess.start(env, List.of(), log, List.of("serve", "--accept-empty-ledger"))) {
            assertThat(spoolFiles(data.resolve("spool"))).as("nothing left in ready/ or partial/").isEmpty();
            Path quarantine;
            try (Stream<Path> folders = Files.list(data.resolve("quarantine"))) {
                quarantine = folders.toList().get(0);
            }
            Map<String, String> moved = spoolFiles(quarantine);
            assertThat(moved).as("every file, moved with its bytes").isEqualTo(before);
            assertThat(p.log()).contains("WARN").contains("4 file(s)").contains(quarantine.toString()).contains("not deleted");
            HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(p.uri("/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(metrics.body()).contains("sidecar_spool_quarantined_files 4.0");
            assertThat(p.stop()).isIn(0, 143);
        }
        Cli doctor = cli(data, "", "doctor");
        assertThat(doctor.code()).as(doctor.out()).isEqualTo(1);
        assertThat(doctor.out()).contains("FAIL  spool").contains("4 file(s)").contains("quarantine");

        Cli again = cli(data, "", "device", "list");
        assertThat(again.code()).as("the ledger exists now: %s", again.err()).isZero();
    }

    @Test
    void anEmptyLedgerBesideASpoolWithUploadsRefusesToStart() throws Exception {
        Path data = temp.resolve("data");
        Map<String, String> before = dataFolderWithPendingUploads(data);
        deleteLedger(data);
        Database.open(temp.resolve("empty.db")).useHandle(h -> h.execute("PRAGMA wal_checkpoint(TRUNCATE)"));
        Files.copy(temp.resolve("empty.db"), data.resolve("ledger.db"));

        // In this JVM (the refusal's way through the CLI is the missing ledger's, above), twice: a refused start lets go
        // of the data folder's lock, so the second says the same and not "another photo-sidecar is serving".
        for (int attempt = 0; attempt < 2; attempt++) {
            assertThatThrownBy(() -> TestSidecar.start(data, Map.of())).isInstanceOf(ConfigException.class)
                    .hasMessageStartingWith(data.resolve("ledger.db") + " has no jobs").hasMessageContaining("4 upload file(s)")
                    .hasMessageContaining("--accept-empty-ledger");
        }
        assertThat(spoolFiles(data.resolve("spool"))).isEqualTo(before);
    }

    @Test
    void aMissingSecretKeyBesideSealedPasswordsRefusesToStartAndTheFlagMakesANewOne() throws Exception {
        Path data = temp.resolve("data");
        Files.createDirectories(data);
        Path key = data.resolve("secret.key");
        CredentialStore store = new SqliteCredentialStore(Database.open(data.resolve("ledger.db")), SecretBox.load(Optional.empty(), data),
                Clock.systemUTC());
        store.set("alice", "alice", "app-password-1");
        store.set("bob", "bob", "app-password-2");
        Files.delete(key);
        Map<String, String> env = SidecarProcess.baseEnv(data, SidecarProcess.freePort());

        SidecarProcess.Exit refused = SidecarProcess.run(env, "serve");
        assertOneLineRefusal(refused, key + " is missing", "2 password(s)", "users alice, bob", "--accept-new-secret-key",
                "SIDECAR_SECRET_KEY");
        assertThat(key).as("no new key was made").doesNotExist();
        Cli setPassword = cli(data, "pw\n", "user", "set-password", "carol");
        assertThat(setPassword.code()).as("nor by the CLI: %s", setPassword.err()).isEqualTo(2);
        assertThat(key).doesNotExist();
        assertThat(store.list()).extracting(CredentialStore.Entry::userId).containsExactly("alice", "bob");

        Path log = temp.resolve("new-key.log");
        try (SidecarProcess p = SidecarProcess.start(env, List.of(), log, List.of("serve", "--accept-new-secret-key"))) {
            assertThat(key).exists();
            assertThat(p.log()).contains("WARN").contains("[alice, bob]").contains("user set-password");
            assertThat(p.stop()).isIn(0, 143);
        }
        assertThat(store.list()).as("the sealed passwords are kept").hasSize(2);
    }

    @Test
    void anotherSecretKeyBesideSealedPasswordsRefusesToStartAndAChangeWithNothingSealedIsRecorded() throws Exception {
        Path data = temp.resolve("data");
        Map<String, String> keyA = Map.of("SIDECAR_SECRET_KEY", "the first key");
        Map<String, String> keyB = Map.of("SIDECAR_SECRET_KEY", "the second key");
        TestSidecar.start(data, keyA).close();
        TestSidecar.start(data, keyB).close();
        assertThat(fingerprintIn(data)).as("nothing was sealed: the new key is simply recorded")
                .isEqualTo(SecretBox.load(Optional.of("the second key"), data).fingerprint());

        CredentialStore store = new SqliteCredentialStore(Database.open(data.resolve("ledger.db")),
                SecretBox.load(Optional.of("the second key"), data), Clock.systemUTC());
        store.set("alice", "alice", "app-password-1");
        assertThatThrownBy(() -> TestSidecar.start(data, keyA)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("is not the one the ledger's 1 stored password(s) were sealed with (users alice)")
                .hasMessageContaining("--accept-new-secret-key").hasMessageContaining("SIDECAR_SECRET_KEY")
                .hasMessageNotContaining("the second key").hasMessageNotContaining("the first key");
        TestSidecar.start(data, keyB).close();

        Map<String, String> env = new HashMap<>(Map.of("SIDECAR_DATA_DIR", data.toString(), "SIDECAR_PORT", "0",
                "SIDECAR_BIND", "127.0.0.1"));
        env.putAll(keyA);
        App.start(new ConfigLoader(env, Optional.empty()).load(), Clock.systemUTC(), new App.Accept(false, true)).close();
        assertThat(fingerprintIn(data)).as("accepted: the first key is the ledger's key now")
                .isEqualTo(SecretBox.load(Optional.of("the first key"), data).fingerprint());
        TestSidecar.start(data, keyA).close();
        assertThat(store.list()).as("the sealed password is kept").hasSize(1);
    }

    private static String fingerprintIn(Path data) {
        try (Ledger ledger = SqliteLedger.open(data.resolve("ledger.db"), Clock.systemUTC())) {
            return ledger.sharedState().get(SharedState.SECRET_KEY_FINGERPRINT).orElseThrow();
        }
    }

    @Test
    void aFreshDataFolderAndAnEmptySpoolStartWithoutAnyFlag() throws Exception {
        Path data = temp.resolve("data");
        Files.createDirectories(data.resolve("spool/ready"));
        Files.createDirectories(data.resolve("spool/partial"));
        try (App app = App.start(new ConfigLoader(new HashMap<>(Map.of("SIDECAR_DATA_DIR", data.toString(), "SIDECAR_PORT", "0",
                "SIDECAR_BIND", "127.0.0.1")), Optional.empty()).load(), Clock.systemUTC())) {
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + app.port() + "/readyz")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).isEqualTo(200);
        }
        assertThat(data.resolve("ledger.db")).exists();
    }
}
