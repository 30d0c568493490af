package dev.photosidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class ConfigLoaderTest {
    @TempDir
    Path dir;

    @Test
    void embeddedDefaultsMatchTheContract() {
        SidecarConfig c = new ConfigLoader(Map.of(), Optional.empty()).load();
        assertThat(c.port()).isEqualTo(8420);
        assertThat(c.bind()).isEqualTo("0.0.0.0");
        assertThat(c.dataDir()).isEqualTo(Path.of("./data").toAbsolutePath().normalize());
        assertThat(c.spoolDir()).isEqualTo(Path.of("./data/spool").toAbsolutePath().normalize());
        assertThat(c.target()).isEqualTo(TargetKind.LOCAL);
        assertThat(c.pathTemplate().toString()).isEqualTo("Photos/{yyyy}/{MM}/{filename}");
        assertThat(c.workers()).isEqualTo(4);
        assertThat(c.maxUploadBytes()).isEqualTo(16L << 30);
        assertThat(c.spoolReserveBytes()).isEqualTo(1L << 30);
        assertThat(c.maxAttempts()).isEqualTo(12);
    }

    @Test
    void environmentWinsOverTheYamlFile() throws Exception {
        Path yaml = dir.resolve("sidecar.yaml");
        Files.writeString(yaml, "port: 9000\nworkers: 2\nmax_upload_bytes: 512MiB\nretry_initial_delay: 1m\n");
        SidecarConfig c = new ConfigLoader(Map.of("SIDECAR_PORT", "9100"), Optional.of(yaml)).load();
        assertThat(c.port()).isEqualTo(9100);
        assertThat(c.workers()).isEqualTo(2);
        assertThat(c.maxUploadBytes()).isEqualTo(512L << 20);
        assertThat(c.retryInitialDelay()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void theSpoolFollowsTheDataFolderUnlessSetOnItsOwn() throws Exception {
        Path data = dir.resolve("data");
        assertThat(new ConfigLoader(Map.of("SIDECAR_DATA_DIR", data.toString()), Optional.empty()).load().spoolDir())
                .isEqualTo(data.resolve("spool"));
        Path shared = dir.resolve("shared/spool");
        assertThat(new ConfigLoader(Map.of("SIDECAR_DATA_DIR", data.toString(), "SIDECAR_SPOOL_DIR", shared + "/"),
                Optional.empty()).load().spoolDir()).isEqualTo(shared);
        Path yaml = dir.resolve("sidecar.yaml");
        Files.writeString(yaml, "data_dir: " + data + "\nspool_dir: " + shared + "\n");
        assertThat(new ConfigLoader(Map.of(), Optional.of(yaml)).load().spoolDir()).isEqualTo(shared);
    }

    @Test
    void aSpoolThatIsTheDataFolderOrAboveItIsRefused() {
        Path data = dir.resolve("data");
        for (Path bad : new Path[] {data, dir}) {
            assertThatThrownBy(() -> new ConfigLoader(Map.of("SIDECAR_DATA_DIR", data.toString(),
                    "SIDECAR_SPOOL_DIR", bad.toString()), Optional.empty()).load())
                    .isInstanceOf(ConfigException.class)
                    .hasMessageContaining("SIDECAR_SPOOL_DIR='" + bad + "'")
                    .hasMessageContaining("must not be the data folder");
        }
    }

    @Test
    void everyBadValueIsNamedWithItsKeyAndValue() {
        assertThatThrownBy(() -> new ConfigLoader(Map.of(
                "SIDECAR_PORT", "eighty",
                "SIDECAR_WORKERS", "0",
                "SIDECAR_MAX_UPLOAD_BYTES", "lots",
                "SIDECAR_TARGET", "ftp",
                "SIDECAR_PATH_TEMPLATE", "Photos/{year}/{filename}"), Optional.empty()).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_PORT='eighty'")
                .hasMessageContaining("SIDECAR_WORKERS='0'")
                .hasMessageContaining("SIDECAR_MAX_UPLOAD_BYTES='lots'")
                .hasMessageContaining("SIDECAR_TARGET='ftp'").hasMessageContaining("local")
                .hasMessageContaining("unknown token {year}");
    }

    @Test
    void deviceAndConnectionLimitsHaveGenerousDefaultsAndNamedErrors() {
        ServerLimits d = new ConfigLoader(Map.of(), Optional.empty()).load().serverLimits();
        assertThat(d).isEqualTo(new ServerLimits(16, 100.0, 3000, Duration.ofSeconds(60), Duration.ofSeconds(30), 16 * 1024));
        ServerLimits set = new ConfigLoader(Map.of("SIDECAR_DEVICE_REQUEST_RATE", "0.5", "SIDECAR_MAX_HEADER_BYTES", "32KiB",
                "SIDECAR_HEADER_TIMEOUT", "1500ms"), Optional.empty()).load().serverLimits();
        assertThat(set.deviceRequestRate()).isEqualTo(0.5);
        assertThat(set.maxHeaderBytes()).isEqualTo(32 * 1024);
        assertThat(set.headerTimeout()).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> new ConfigLoader(Map.of(
                "SIDECAR_MAX_UPLOADS_PER_DEVICE", "0",
                "SIDECAR_DEVICE_REQUEST_RATE", "fast",
                "SIDECAR_DEVICE_REQUEST_BURST", "-3",
                "SIDECAR_IDLE_TIMEOUT", "10ms",
                "SIDECAR_HEADER_TIMEOUT", "forever",
                "SIDECAR_MAX_HEADER_BYTES", "100"), Optional.empty()).load())
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_MAX_UPLOADS_PER_DEVICE='0'")
                .hasMessageContaining("SIDECAR_DEVICE_REQUEST_RATE='fast'")
                .hasMessageContaining("SIDECAR_DEVICE_REQUEST_BURST='-3'")
                .hasMessageContaining("SIDECAR_IDLE_TIMEOUT='10ms'")
                .hasMessageContaining("SIDECAR_HEADER_TIMEOUT='forever'")
                .hasMessageContaining("SIDECAR_MAX_HEADER_BYTES='100'").hasMessageContaining("4KiB");
    }

    @Test
    void unknownYamlKeysAreErrorsNotSilentlyIgnored() throws Exception {
        Path yaml = dir.resolve("sidecar.yaml");
        Files.writeString(yaml, "prot: 9000\n");
        assertThatThrownBy(() -> new ConfigLoader(Map.of(), Optional.of(yaml)).load())
                .hasMessageContaining("unknown key 'prot'");
    }

    @Test
    void sizesAndDurationsAcceptTheirHumanForms() {
        assertThat(Units.parseBytes("1048576")).isEqualTo(1 << 20);
        assertThat(Units.parseBytes("1 KiB")).isEqualTo(1024);
        assertThat(Units.parseBytes("1KB")).isEqualTo(1000);
        assertThat(Units.parseBytes("16GiB")).isEqualTo(16L << 30);
        assertThat(Units.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Units.parseDuration("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Units.parseDuration("PT5M")).isEqualTo(Duration.ofMinutes(5));
    }
}
