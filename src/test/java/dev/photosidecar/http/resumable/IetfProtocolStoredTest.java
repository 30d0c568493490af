package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.ledger.ResumableUpload;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An IETF upload's stored protocol names the interop version it was created with: before the ledger's V5 migration,
 * versions 4, 5, 7 and 8 were all stored as {@code ietf-6}. Rows stored that way still read as version 6.
 */
@FunctionalTest
class IetfProtocolStoredTest {
    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start(@TempDir Path data) {
        sidecar = TestSidecar.start(data, Map.of());
        token = sidecar.enroll("alice", "phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    @ParameterizedTest(name = "interop version {0}")
    @ValueSource(ints = {3, 4, 5, 6, 7, 8})
    void theUploadRecordsTheVersionItWasCreatedWith(int version) throws Exception {
        IetfDialect v = new IetfDialect(version);
        String key = "v" + version;
        try (RawConnection c = new RawConnection(sidecar.port())) {
            c.sendHead(v.creation(key, token, false, 0, null));
            c.sendBytes(new byte[0]);
            RawConnection.Head answer = c.readHead();
            if (answer.status() == 104) {
                answer = c.readHead();
            }
            assertThat(answer.status()).as(answer.statusLine()).isIn(201, 204);
        }
        ResumableUpload stored = sidecar.app().resumable().unfinished().stream().filter(u -> u.key().equals(key))
                .findFirst().orElseThrow();
        assertThat(stored.protocol()).isEqualTo("ietf-" + version);
        assertThat(IetfVersion.ofProtocol(stored.protocol()).orElseThrow().wire()).isEqualTo(String.valueOf(version));
    }

    @Test
    void aRowStoredBeforeTheMigrationReadsAsVersionSixAndTusIsNoIetfVersion() {
        assertThat(IetfVersion.ofProtocol("ietf-6")).hasValue(IetfVersion.V6);
        assertThat(IetfVersion.ofProtocol("ietf-3")).hasValue(IetfVersion.V3);
        assertThat(IetfVersion.ofProtocol("tus")).isEmpty();
        assertThat(IetfVersion.ofProtocol("ietf-9")).isEmpty();
    }
}
