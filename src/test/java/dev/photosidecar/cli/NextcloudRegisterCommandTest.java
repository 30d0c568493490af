package dev.photosidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.Main;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nextcloud register} checks the sidecar's {@code /heartbeat} before any occ command runs: AppAPI would wait
 * ten minutes for a sidecar that does not answer as an ExApp and then fail with no reason. Each refusal is one line
 * with the fix, and occ is never started. (Registering with a real Nextcloud: nextcloud/NextcloudExAppRegisterTest.)
 */
@FunctionalTest
class NextcloudRegisterCommandTest {
    @TempDir
    Path dir;
    Path data;
    Path config;
    Path occRan;

    record Result(int exit, String out, String err) {
    }

    @BeforeEach
    void writeConfig() throws Exception {
        data = dir.resolve("data");
        config = dir.resolve("sidecar.yaml");
        occRan = dir.resolve("occ-ran");
        Files.writeString(config, "data_dir: " + data + "\n");
    }

    private Result register(int port, boolean withOcc) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] args = withOcc
                ? new String[] {"nextcloud", "register", "--config", config.toString(), "--nextcloud-url", "http://127.0.0.1:9/",
                        "--sidecar-host", "127.0.0.1", "--port", String.valueOf(port), "--occ", "touch " + occRan + "; true"}
                : new String[] {"nextcloud", "register", "--config", config.toString(), "--nextcloud-url", "http://127.0.0.1:9/",
                        "--sidecar-host", "127.0.0.1", "--port", String.valueOf(port)};
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(exit, out.toString(), err.toString());
    }

    private void assertRefusedInOneLine(Result r, String start) {
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err().strip().lines()).as(r.err()).singleElement().asString().startsWith("FAILED: " + start);
        assertThat(occRan).as("no occ command ran").doesNotExist();
    }

    @Test
    void withNothingListeningItSaysToStartTheSidecarFirst() {
        int port = SidecarProcess.freePort();
        Result r = register(port, true);
        assertRefusedInOneLine(r, "nothing answers at http://127.0.0.1:" + port + "/heartbeat (connection refused)");
        assertThat(r.err()).contains("SIDECAR_TARGET=nextcloud").contains("SIDECAR_DATA_DIR=" + data).contains("run this again");
    }

    @Test
    void aSidecarRunningForAnotherTargetIsToldToRestartForNextcloud() {
        try (TestSidecar s = TestSidecar.start(dir.resolve("local"), Map.of())) {
            assertRefusedInOneLine(register(s.port(), true), "the sidecar at http://127.0.0.1:" + s.port()
                    + "/heartbeat runs without SIDECAR_TARGET=nextcloud");
        }
    }

    @Test
    void aSidecarReadingAnotherDataFolderIsNamedAsSuch() {
        try (TestSidecar s = TestSidecar.start(dir.resolve("elsewhere"), Map.of("SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"))) {
            Result r = register(s.port(), true);
            assertRefusedInOneLine(r, "the sidecar at http://127.0.0.1:" + s.port() + "/heartbeat does not read the data folder " + data);
            assertThat(s.http().get("/heartbeat", null).errorCode()).isEqualTo("EXAPP_NOT_REGISTERED");
        }
    }

    @Test
    void printedWhileTheSidecarRunsTheRegistrationIsTakenUpWithoutARestart() {
        try (TestSidecar s = TestSidecar.start(data, Map.of("SIDECAR_TARGET", "nextcloud", "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"))) {
            String token = s.enroll("alice", "phone");
            Result r = register(s.port(), false);
            assertThat(r.exit()).isZero();
            assertThat(r.out()).contains("occ 'app_api:app:register' 'photo_sidecar' 'manual_install'")
                    .contains("has taken up this registration: no restart needed");
            assertThat(s.http().get("/heartbeat", null).json().path("status").asText()).isEqualTo("ok");
            assertThat(s.http().put("/v1/uploads/k", token, Map.of(), new byte[] {1}).errorCode())
                    .as("an ExApp now, waiting for Nextcloud to enable it").isEqualTo("APP_DISABLED");
        }
    }

    @Test
    void printedWithNoSidecarRunningItSaysWhatToDoBeforeRunningTheCommands() {
        int port = SidecarProcess.freePort();
        Result r = register(port, false);
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("# Before running them: nothing answers at http://127.0.0.1:" + port + "/heartbeat");
    }
}
