package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.photosidecar.ledger.Ids;
import dev.photosidecar.spool.DigestMismatch;
import dev.photosidecar.spool.LengthMismatch;
import dev.photosidecar.spool.OffsetMismatch;
import dev.photosidecar.spool.PartialStore;
import dev.photosidecar.spool.Spool;
import dev.photosidecar.spool.SpoolException;
import dev.photosidecar.spool.UploadTooLarge;
import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The table from spool errors to answers, row by row, with errors thrown by a real spool: each keeps the code and the
 * exact message clients got when the spool chose them itself (header names included, which the spool no longer knows).
 */
@UnitTest
class StorageErrorsTest {
    private static final long MAX = 1000;

    @TempDir
    Path dir;
    private Spool spool;
    private PartialStore partials;

    @BeforeEach
    void openSpool() {
        spool = new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, MAX, Clock.systemUTC());
        partials = new PartialStore(spool);
    }

    private static InputStream bytes(int n) {
        return new ByteArrayInputStream(new byte[n]);
    }

    private Problem answer(SpoolException e) {
        assertThat(e).as("the spool threw").isNotNull();
        return StorageErrors.answerFor(e).orElseThrow();
    }

    @Test
    void tooLarge() {
        Problem p = answer(catchThrowableOfType(() -> spool.receive(bytes(1), MAX + 1, Optional.empty()), UploadTooLarge.class));
        assertThat(p.code()).isEqualTo(ErrorCode.UPLOAD_TOO_LARGE);
        assertThat(p.getMessage()).isEqualTo("the upload is larger than the maximum of 1000 bytes (1000 B)");
    }

    @Test
    void bodyShorterThanContentLength() {
        Problem p = answer(catchThrowableOfType(() -> spool.receive(bytes(3), 5, Optional.empty()), LengthMismatch.class));
        assertThat(p.code()).isEqualTo(ErrorCode.CONTENT_LENGTH_MISMATCH);
        assertThat(p.getMessage()).isEqualTo("the body has 3 bytes but Content-Length announced 5");
    }

    @Test
    void bodyLongerThanContentLength() {
        Problem p = answer(catchThrowableOfType(() -> spool.receive(bytes(7), 5, Optional.empty()), LengthMismatch.class));
        assertThat(p.getMessage()).isEqualTo("the body is longer than the 5 bytes Content-Length announced");
    }

    @Test
    void bodyThatBreaksOff() {
        InputStream breaks = new InputStream() {
            private int left = 4;

            @Override
            public int read() throws IOException {
                if (left-- > 0) {
                    return 0;
                }
                throw new java.io.EOFException("gone");
            }
        };
        Problem p = answer(catchThrowableOfType(() -> spool.receive(breaks, 10, Optional.empty()), LengthMismatch.class));
        assertThat(p.getMessage()).isEqualTo("the body ended early after 4 bytes of the 10 that Content-Length announced (EOFException)");
    }

    @Test
    void bodyDigest() {
        byte[] wrong = new byte[32];
        Problem p = answer(catchThrowableOfType(() -> spool.receive(bytes(0), 0, Optional.of(wrong)), DigestMismatch.class));
        assertThat(p.code()).isEqualTo(ErrorCode.DIGEST_MISMATCH);
        assertThat(p.getMessage()).isEqualTo("the body's SHA-256 is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
                + " but the digest header says AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    }

    @Test
    void appendChecksumIsTheTusChecksumMismatch() {
        String id = Ids.jobId();
        Problem p = answer(catchThrowableOfType(() -> partials.append(id, 0, bytes(0), 0, -1, Optional.of(new byte[32])),
                DigestMismatch.class));
        assertThat(p.code()).isEqualTo(ErrorCode.CHECKSUM_MISMATCH);
        assertThat(p.getMessage()).isEqualTo("the body's SHA-256 is 47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
                + " but Upload-Checksum says AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=; none of it was kept");
    }

    @Test
    void finishedUploadDigest() {
        String id = Ids.jobId();
        Problem p = answer(catchThrowableOfType(() -> partials.finish(id, Optional.of("00")), DigestMismatch.class));
        assertThat(p.code()).isEqualTo(ErrorCode.DIGEST_MISMATCH);
        assertThat(p.getMessage()).isEqualTo("the upload's SHA-256 is "
                + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 but the digest header said 00; nothing was kept");
    }

    @Test
    void appendPastTheAnnouncedLength() {
        String id = Ids.jobId();
        Problem p = answer(catchThrowableOfType(() -> partials.append(id, 0, bytes(5), 5, 4, Optional.empty()),
                LengthMismatch.class));
        assertThat(p.code()).isEqualTo(ErrorCode.CONTENT_LENGTH_MISMATCH);
        assertThat(p.getMessage()).isEqualTo("the upload would grow past its announced length of 4 bytes; nothing of this request was kept");
    }

    @Test
    void offsetMismatchCarriesTheTrueOffsetForTheAnswer() {
        String id = Ids.jobId();
        partials.append(id, 0, bytes(3), 3, -1, Optional.empty());
        Problem p = answer(catchThrowableOfType(() -> partials.append(id, 1, bytes(1), 1, -1, Optional.empty()),
                OffsetMismatch.class));
        assertThat(p.code()).isEqualTo(ErrorCode.OFFSET_MISMATCH);
        assertThat(p.getMessage()).isEqualTo("the upload is at offset 3, not 1; ask for the offset (HEAD) and continue from there");
        assertThat(p.details()).isEqualTo(Map.of("problemType", "https://iana.org/assignments/http-problem-types#mismatching-upload-offset",
                "expectedOffset", 3L, "providedOffset", 1L));
    }

    @Test
    void onlyRunningOutOfSpaceIsTheSidecarsFault() {
        assertThat(StorageErrors.isSidecarFault(catchThrowableOfType(() -> spool.receive(bytes(3), 5, Optional.empty()),
                LengthMismatch.class))).isFalse();
        Spool full = new Spool(dir.resolve("full"), dir.resolve("q2"), Long.MAX_VALUE, MAX, Clock.systemUTC());
        SpoolException noRoom = catchThrowableOfType(() -> full.receive(bytes(1), 1, Optional.empty()), SpoolException.class);
        assertThat(StorageErrors.answerFor(noRoom).orElseThrow().code()).isEqualTo(ErrorCode.INSUFFICIENT_STORAGE);
        assertThat(StorageErrors.isSidecarFault(noRoom)).isTrue();
        assertThat(StorageErrors.isSidecarFault(new IllegalStateException("an fsync failed"))).isTrue();
        assertThat(StorageErrors.answerFor(new IllegalStateException("internal"))).isEmpty();
    }
}
