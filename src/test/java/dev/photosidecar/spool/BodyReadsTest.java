package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

@UnitTest
class BodyReadsTest {
    /** A body that arrives in pieces of {@code piece} bytes (as a server hands them over), then fails or ends. */
    private static InputStream arriving(int total, int piece, boolean failsAtTheEnd) {
        return new InputStream() {
            int sent;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (sent == total) {
                    if (failsAtTheEnd) {
                        throw new SocketTimeoutException("the client went quiet");
                    }
                    return -1;
                }
                int n = Math.min(Math.min(piece, len), total - sent);
                Arrays.fill(b, off, off + n, (byte) (sent % 251));
                sent += n;
                return n;
            }
        };
    }

    @Test
    void smallPiecesAreGatheredIntoWholeBuffers() throws IOException {
        BodyReads reads = new BodyReads(arriving(100_000, 8192, false));
        byte[] buf = new byte[65_536];
        assertThat(reads.fill(buf)).isEqualTo(65_536);
        assertThat(reads.fill(buf)).isEqualTo(100_000 - 65_536);
        assertThat(reads.fill(buf)).isEqualTo(-1);
    }

    @Test
    void bytesThatArrivedBeforeAFailureComeFirstAndTheFailureNext() throws IOException {
        BodyReads reads = new BodyReads(arriving(20_000, 8192, true));
        byte[] buf = new byte[65_536];
        assertThat(reads.fill(buf)).isEqualTo(20_000);
        assertThatThrownBy(() -> reads.fill(buf)).isInstanceOf(SocketTimeoutException.class);
    }

    @Test
    void aFailureBeforeAnyByteIsThrownAtOnce() {
        BodyReads reads = new BodyReads(arriving(0, 8192, true));
        assertThatThrownBy(() -> reads.fill(new byte[1024])).isInstanceOf(SocketTimeoutException.class);
    }
}
