package dev.photosidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.sqlite.Database;
import dev.photosidecar.ledger.sqlite.SqliteCredentialStore;
import dev.photosidecar.ledger.sqlite.SqliteDeviceRegistry;
import dev.photosidecar.support.TestSidecar;
import dev.photosidecar.support.WebDavServer;
import dev.photosidecar.support.WebDavTest;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code photo-sidecar doctor} on real data folders, against the real WebDAV test server. */
@WebDavTest
class DoctorCommandTest {
    @TempDir
    Path temp;

    record Run(int exit, String out) {
        JsonNode json() throws IOException {
            return new ObjectMapper().readTree(out);
        }

        /** The line of the check that says {@code text}, e.g. line("FAIL", "host"). */
        String line(String status, String check) {
            return Arrays.stream(out.split("\n")).filter(l -> l.startsWith(status + "  " + check + " ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no " + status + " " + check + " line in:\n" + out));
        }
    }

    private Run doctor(Path config, Clock clock, String... more) {
        DoctorCommand command = new DoctorCommand();
        command.environment = Map.of(); // only the YAML file counts, whatever this machine's SIDECAR_* say
        command.clock = clock;
        StringWriter out = new StringWriter();
        String[] args = new String[more.length + 2];
        args[0] = "--config";
        args[1] = config.toString();
        System.arraycopy(more, 0, args, 2, more.length);
        int exit = new CommandLine(command).setOut(new PrintWriter(out, true)).setErr(new PrintWriter(new StringWriter(), true))
                .execute(args);
        return new Run(exit, out.toString());
    }

    private Run doctor(Path config, String... more) {
        return doctor(config, Clock.systemUTC(), more);
    }

    private Path yaml(String... lines) throws IOException {
        Path f = temp.resolve("sidecar-" + System.nanoTime() + ".yaml");
        Files.writeString(f, String.join("\n", lines) + "\n");
        return f;
    }

    @Test
    void aHealthyLocalSetupPasses() throws Exception {
        Path data = temp.resolve("data");
        try (TestSidecar s = TestSidecar.start(data, Map.of())) {
            String token = s.enroll("alice", "phone");
            assertThat(s.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "a.jpg"), new byte[10]).status()).isEqualTo(201);
        }
        Run run = doctor(yaml("data_dir: " + data, "spool_reserve_bytes: 1MiB"));
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.line("PASS", "config")).contains("target local");
        assertThat(run.line("PASS", "data folder")).contains(data + " exists and is writable");
        assertThat(run.line("PASS", "free space")).contains("free at").contains("spool reserve 1.0 MiB");
        assertThat(run.line("PASS", "ledger")).contains("integrity ok, schema version").contains("1 jobs");
        assertThat(run.line("PASS", "target")).contains(data.resolve("library").toString());
        assertThat(run.line("SKIP", "clock")).contains("local target");
        assertThat(run.line("SKIP", "exapp")).contains("not registered");
        assertThat(run.out()).endsWith("All checks passed.\n");
        try (var files = Files.list(data)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("the probe file is gone")
                    .noneMatch(n -> n.startsWith(".doctor-"));
        }

        JsonNode json = doctor(yaml("data_dir: " + data), "--json").json();
        assertThat(json.path("ok").asBoolean()).isTrue();
        assertThat(json.path("checks").get(0).path("check").asText()).isEqualTo("config");
        assertThat(json.path("checks").get(0).path("status").asText()).isEqualTo("pass");
        assertThat(json.path("checks").get(0).path("fix").isNull()).isTrue();
    }

    @Test
    void theSecretKeyMustBeReadableByItsOwnerOnly() throws Exception {
        Path data = temp.resolve("data");
        Files.createDirectories(data);
        dev.photosidecar.config.SecretBox.load(java.util.Optional.empty(), data);
        Path key = data.resolve("secret.key");
        Path config = yaml("data_dir: " + data);
        assertThat(doctor(config).line("PASS", "secret key")).contains(key + " is mode 0600, owned by ");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r-----"));
        Run run = doctor(config);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.line("FAIL", "secret key")).contains("has mode 0640").contains("other users can read this secret")
                .contains("the sidecar refuses to start").endsWith("; fix with: chmod 600 " + key);
        assertThat(doctor(yaml("data_dir: " + data, "secret_key: a-passphrase-instead")).line("SKIP", "secret key"))
                .contains("SIDECAR_SECRET_KEY is set");
    }

    @Test
    void theExAppSecretMustBeReadableByItsOwnerOnly() throws Exception {
        Path data = temp.resolve("data");
        ExAppIdentity.create(data);
        Path config = yaml("data_dir: " + data);
        assertThat(doctor(config).line("PASS", "exapp")).contains("is mode 0600");
        Files.setPosixFilePermissions(ExAppIdentity.file(data), PosixFilePermissions.fromString("rw-r--r--"));
        Run run = doctor(config);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.line("FAIL", "exapp")).contains("is mode 0644").contains("other users can read the ExApp secret")
                .endsWith("; fix with: chmod 600 " + ExAppIdentity.file(data));
    }

    @Test
    void aWrongWebDavPasswordFailsWithTheCommandThatFixesIt() throws Exception {
        try (WebDavServer dav = WebDavServer.start(WebDavServer.Kind.LIGHTTPD, temp.resolve("dav"))) {
            Path data = temp.resolve("data");
            Jdbi ledger = Database.open(data.resolve("ledger.db"));
            new SqliteDeviceRegistry(ledger, Clock.systemUTC()).add("carol", "phone");
            CredentialStore store = new SqliteCredentialStore(ledger, SecretBox.load(Optional.empty(), data), Clock.systemUTC());
            store.set("alice", "photos", "not-the-password");
            store.set("bob", dav.user(), dav.password());
            Path config = yaml("data_dir: " + data, "target: webdav", "webdav_url: " + dav.baseUrl() + "{user}/",
                    "webdav_user: " + dav.user(), "webdav_password: " + dav.password());

            Run run = doctor(config);
            System.out.println(run.out());
            assertThat(run.exit()).as(run.out()).isEqualTo(1);
            assertThat(run.out()).contains("FAIL  credentials  the host refused the password for user alice; "
                    + "fix with: photo-sidecar user set-password alice\n");
            assertThat(run.out()).contains("PASS  credentials  user bob (login photos): the host lets in; " + dav.baseUrl()
                    + "bob/ does not exist yet (the first delivery creates it)");
            assertThat(run.out()).as("the shared account serves carol, who has no password of her own")
                    .contains("PASS  credentials  the shared account photos: the host lets in; " + dav.baseUrl() + "carol/");
            assertThat(run.line("PASS", "host")).contains(dav.baseUrl() + " answers (HTTP");
            assertThat(run.line("PASS", "clock")).contains("of the host's");
            assertThat(run.out()).endsWith("1 check(s) failed.\n");

            // The same host, seen from a computer whose clock runs ten minutes ahead.
            Run skewed = doctor(config, Clock.offset(Clock.systemUTC(), Duration.ofMinutes(10)));
            assertThat(skewed.line("FAIL", "clock")).contains("this computer's clock is 10m0").contains("ahead of the host's")
                    .contains("fix with: synchronise the clocks with NTP");

            Path wrongShared = yaml("data_dir: " + data, "target: webdav", "webdav_url: " + dav.baseUrl() + "{user}/",
                    "webdav_user: " + dav.user(), "webdav_password: wrong");
            assertThat(doctor(wrongShared).out()).contains("FAIL  credentials  the host refused the password of the shared "
                    + "account photos; fix with: correct SIDECAR_WEBDAV_USER and SIDECAR_WEBDAV_PASSWORD\n");
        }
    }

    @Test
    void anUnreachableTargetFailsSayingWhy() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        Run run = doctor(yaml("data_dir: " + temp.resolve("data"), "target: webdav",
                "webdav_url: http://127.0.0.1:" + closedPort + "/dav/{user}/", "webdav_user: u", "webdav_password: p"));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.line("FAIL", "host")).isEqualTo("FAIL  host         cannot reach http://127.0.0.1:" + closedPort
                + "/: connection refused; fix with: start the host, or correct SIDECAR_WEBDAV_URL (now http://127.0.0.1:"
                + closedPort + "/dav/{user}/)");
        assertThat(run.line("SKIP", "credentials")).contains("the host does not answer");
    }

    @Test
    void aReadOnlyDataFolderFails() throws Exception {
        Path data = temp.resolve("data");
        Database.open(data.resolve("ledger.db"));
        ReadOnly readOnly = ReadOnly.make(data);
        try {
            Run run = doctor(yaml("data_dir: " + data, "spool_reserve_bytes: 0"));
            System.out.println(run.out());
            assertThat(run.exit()).isEqualTo(1);
            assertThat(run.line("FAIL", "data folder")).contains(data + " is not writable (")
                    .contains("fix with: make it writable for the user the sidecar runs as");
        } finally {
            readOnly.undo();
        }
    }

    @Test
    void aDataFolderBelowAFileFails() throws Exception {
        Path file = Files.writeString(temp.resolve("not-a-folder"), "x");
        Run run = doctor(yaml("data_dir: " + file.resolve("data")));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.line("FAIL", "data folder")).contains(file.resolve("data") + " cannot be created: " + file
                + " is a file, not a folder; fix with: choose another SIDECAR_DATA_DIR");
    }

    @Test
    void aBadConfigurationIsTheOnlyLineWithTheLoadersMessage() throws Exception {
        Path config = yaml("data_dir: " + temp.resolve("data"), "workers: 0", "target: ftp");
        Run run = doctor(config);
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out().lines().toList()).hasSize(2);
        assertThat(run.line("FAIL", "config")).contains("invalid configuration").contains("workers").contains("unknown target")
                .contains("fix with: correct the settings named above in " + config);
    }

    @Test
    void tooLittleFreeSpaceAndADamagedLedgerFail() throws Exception {
        Path data = Files.createDirectories(temp.resolve("data"));
        Files.write(data.resolve("ledger.db"), "this is not a database, just text that is long enough".repeat(100)
                .getBytes(StandardCharsets.UTF_8));
        Run run = doctor(yaml("data_dir: " + data, "spool_reserve_bytes: 1000TiB"));
        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.line("FAIL", "free space")).contains("spool reserve 1000 TiB: every upload would get 507")
                .contains("lower SIDECAR_SPOOL_RESERVE_BYTES");
        assertThat(run.line("FAIL", "ledger")).contains("cannot open " + data.resolve("ledger.db"))
                .contains("restore ledger.db together with spool/");
    }

    /**
     * Makes a folder read-only for everyone, root included: a read-only bind mount when we may mount (root,
     * as here), else (an ordinary user) its permission bits. Undone by {@link #undo()}.
     */
    static final class ReadOnly {
        private final List<String> undo;

        private ReadOnly(List<String> undo) {
            this.undo = undo;
        }

        static ReadOnly make(Path dir) throws Exception {
            if (run("mount", "--bind", "-o", "ro", dir.toString(), dir.toString())) {
                if (refusesWrites(dir)) {
                    return new ReadOnly(List.of("umount", dir.toString()));
                }
                run("umount", dir.toString());
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
            if (refusesWrites(dir)) {
                return new ReadOnly(List.of("chmod", "755", dir.toString()));
            }
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            Assumptions.abort("cannot make a folder read-only here (root without permission to mount)");
            return null;
        }

        private static boolean refusesWrites(Path dir) {
            try {
                Files.delete(Files.createFile(dir.resolve("probe")));
                return false;
            } catch (IOException e) {
                return true;
            }
        }

        private static boolean run(String... command) throws IOException, InterruptedException {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        }

        void undo() throws IOException, InterruptedException {
            if (!run(undo.toArray(String[]::new))) {
                throw new IllegalStateException("could not undo: " + String.join(" ", undo));
            }
        }
    }
}
