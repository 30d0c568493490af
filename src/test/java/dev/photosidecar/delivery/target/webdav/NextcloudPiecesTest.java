package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobState;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.support.UnitTest;
import java.io.InputStream;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Capability parsing, chunk planning and header building, on answers recorded from a real Nextcloud 32.0.1. */
@UnitTest
class NextcloudPiecesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MIB = 1024 * 1024;

    private static JsonNode fixture(String name) throws Exception {
        try (InputStream in = NextcloudPiecesTest.class.getResourceAsStream("/nextcloud/" + name)) {
            return JSON.readTree(in);
        }
    }

    @Test
    void capabilitiesOfARealNextcloudAreRead() throws Exception {
        JsonNode status = fixture("status-32.0.1.json");
        assertThat(HostFacts.looksLikeNextcloud(status)).isTrue();
        HostFacts facts = HostFacts.fromNextcloud(status, fixture("capabilities-32.0.1.json"));
        assertThat(facts.nextcloud()).isTrue();
        assertThat(facts.version()).startsWith("32.0.1");
        assertThat(facts.maintenance()).isFalse();
        assertThat(facts.chunkingV2()).isTrue();
        assertThat(facts.maxChunkBytes()).isEqualTo(100 * MIB);
        assertThat(facts.maxParallel()).isEqualTo(5);
    }

    @Test
    void missingCapabilitiesFallBackToNextcloudsDefaultsAndOldVersionsToPlainPuts() throws Exception {
        HostFacts facts = HostFacts.fromNextcloud(JSON.readTree(
                "{\"installed\":true,\"maintenance\":true,\"version\":\"25.0.3.2\",\"versionstring\":\"25.0.3\"}"), null);
        assertThat(facts.maintenance()).isTrue();
        assertThat(facts.chunkingV2()).isFalse();
        assertThat(facts.maxChunkBytes()).isEqualTo(HostFacts.DEFAULT_MAX_CHUNK);
        assertThat(HostFacts.looksLikeNextcloud(JSON.readTree("{\"status\":\"ok\"}"))).isFalse();
    }

    @Test
    void chunkPlansStayWithinNextcloudsLimits() {
        ChunkPlan plan = ChunkPlan.of(600_000_000L, 16 * MIB, 100 * MIB);
        assertThat(plan.chunkSize()).isEqualTo(16 * MIB);
        assertThat(plan.count()).isEqualTo(36);
        assertThat(plan.offset(36)).isEqualTo(35 * 16 * MIB);
        assertThat(plan.length(36)).isEqualTo(600_000_000L - 35 * 16 * MIB);
        assertThat(ChunkPlan.name(7)).isEqualTo("00007");

        assertThat(ChunkPlan.of(100 * MIB, 1 * MIB, 100 * MIB).chunkSize()).as("at least 5 MiB").isEqualTo(5 * MIB);
        assertThat(ChunkPlan.of(10L << 30, 200 * MIB, 100 * MIB).chunkSize()).as("at most the host's max").isEqualTo(100 * MIB);
        ChunkPlan huge = ChunkPlan.of(1L << 40, 5 * MIB, Long.MAX_VALUE);
        assertThat(huge.count()).as("never more than 10,000 chunks").isLessThanOrEqualTo(10_000);
    }

    @Test
    void uploadsAskNextcloudToKeepTheCaptureTimeAndToHashWhatItReceived() {
        Job job = new Job(1, "aaaaaaaaaaaaaaaaaaaaaaaaaa", "dev", "alice", "k", JobState.DELIVERING, "a.jpg", ResourceType.PHOTO,
                Optional.empty(), "image/jpeg", 10, "ab".repeat(32), Instant.parse("2021-06-05T14:03:07Z"),
                Instant.parse("2026-01-01T00:00:00Z"), 1, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());
        assertThat(NextcloudHeaders.forUpload(job))
                .containsEntry("X-OC-MTime", "1622901787")
                .containsEntry("X-OC-CTime", "1622901787")
                .containsEntry("OC-Checksum", "SHA256:" + "ab".repeat(32))
                .containsEntry("X-Hash", "sha256");
    }

    @Test
    void theServerRootIsFoundFromTheWebDavUrl() {
        assertThat(HostDetector.serverRootOf("https://cloud.example/nc/remote.php/dav/files/{user}/"))
                .isEqualTo("https://cloud.example/nc/");
        assertThat(HostDetector.serverRootOf("http://127.0.0.1:8080/dav/{user}/")).isEqualTo("http://127.0.0.1:8080/");
    }
}
