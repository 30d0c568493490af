package dev.photosidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.SidecarProcess;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Secret files are created private, and the sidecar refuses to start with one that is not (like ssh). */
@FunctionalTest
class SecretFilesTest {
    @TempDir
    Path data;

    @Test
    void secretFilesAreCreatedPrivateToTheServiceUser() throws Exception {
        try (TestSidecar sidecar = TestSidecar.start(data, Map.of())) {
            sidecar.enroll("alice", "phone");
        }
        ExAppIdentity.create(data);
        for (Path f : List.of(data.resolve("secret.key"), data.resolve("exapp.json"))) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
            assertThat(Files.getOwner(f).getName()).isEqualTo(System.getProperty("user.name"));
            assertThat(SecretFiles.problem(f)).isEmpty();
        }
    }

    @Test
    void aSecretKeyOthersCanReadStopsStartUpSayingTheFix() throws Exception {
        TestSidecar.start(data, Map.of()).close();
        Path key = data.resolve("secret.key");
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));

        SidecarProcess.Exit exit = SidecarProcess.run(SidecarProcess.baseEnv(data, SidecarProcess.freePort()), "serve");
        System.out.println("secret.key with mode 0644: exit " + exit.code() + ", " + exit.err().strip());
        assertThat(exit.code()).isEqualTo(2);
        assertThat(exit.err().strip()).startsWith("photo-sidecar: " + key + " has mode 0644").endsWith("run chmod 600 " + key)
                .doesNotContain("\n");

        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        TestSidecar.start(data, Map.of()).close();
    }

    @Test
    void aSecretFileOwnedBySomeoneElseStopsStartUp() throws Exception {
        TestSidecar.start(data, Map.of()).close();
        ExAppIdentity.create(data);
        Path exapp = data.resolve("exapp.json");
        // 65534 is "nobody" on Linux; as root the test can give the file away (elsewhere this test cannot run).
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to chown a file to another user");
        Files.setAttribute(exapp, "unix:uid", 65534);
        assertThatThrownBy(() -> TestSidecar.start(data, Map.of("SIDECAR_TARGET", "local")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining(exapp + " belongs to uid 65534")
                .hasMessageContaining("run chown root " + exapp);
        Files.setAttribute(exapp, "unix:uid", 0);
        TestSidecar.start(data, Map.of()).close();
    }
}
