package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A resumable upload's SHA-256 is carried from append to append ({@link RunningHashes}); whatever happened on the
 * way (a body cut short, an append refused and rolled back, bytes another process appended, a restart), the
 * finished upload's hash is the hash of exactly the bytes in its file.
 */
@UnitTest
class PartialHashTest {
    private static final String ID = "abcdefghijklmnopqrstuvwxyz";

    @TempDir
    Path dir;

    private Spool spool() {
        return new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, 1L << 30, Clock.systemUTC());
    }

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha(byte[]... parts) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        for (byte[] p : parts) {
            md.update(p);
        }
        return Sha256.hex(md.digest());
    }

    /** Another replica on the shared spool appends to the upload's file. */
    private void appendFromAnotherProcess(byte[] bytes) throws IOException {
        try (FileChannel other = FileChannel.open(dir.resolve("spool/partial").resolve(ID), StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            other.write(ByteBuffer.wrap(bytes));
        }
    }

    private static InputStream cutAfter(byte[] head) {
        return new SequenceInputStream(new ByteArrayInputStream(head), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });
    }

    @Test
    void appendsCutShortAndRefusedOnTheWayStillFinishWithTheFilesOwnHash() throws Exception {
        appendsWithADropARefusalAndAChecksum(300_000, 200_000, 120_000, 150_000);
    }

    /** The same for a video: the first append crosses the threshold past which the hash runs beside the copy. */
    @Test
    void aVideosAppendsHashedBesideTheCopyFinishWithTheFilesOwnHash() throws Exception {
        int big = (int) Spool.HASH_BESIDE_AFTER;
        appendsWithADropARefusalAndAChecksum(big + 3_000_001, big / 2, big / 2 - 1000, big + 1_234_567);
    }

    /**
     * Appends a, then b dropped after {@code bArrives} bytes, c refused for a wrong checksum (rolled back), the rest of
     * b, then c with its own checksum; the finished upload's hash must be the hash of a, b, c and of its file.
     */
    private void appendsWithADropARefusalAndAChecksum(int aSize, int bSize, int bArrives, int cSize) throws Exception {
        PartialStore partials = new PartialStore(spool());
        byte[] a = random(aSize, 1);
        byte[] b = random(bSize, 2);
        byte[] c = random(cSize, 3);
        partials.append(ID, 0, new ByteArrayInputStream(a), a.length, -1, Optional.empty());
        // The client drops in the middle of b: what arrived is kept, and it resumes from there.
        byte[] bHead = Arrays.copyOf(b, bArrives);
        PartialStore.Appended cut = partials.append(ID, a.length, cutAfter(bHead), b.length, -1, Optional.empty());
        assertThat(cut.cutShort()).isTrue();
        assertThat(cut.offset()).isEqualTo(a.length + bHead.length);
        byte[] bTail = Arrays.copyOfRange(b, bArrives, b.length);
        // An append with a wrong checksum is rolled back: none of its bytes count.
        assertThatThrownBy(() -> partials.append(ID, cut.offset(), new ByteArrayInputStream(c), c.length, -1,
                Optional.of(new byte[32]))).isInstanceOf(DigestMismatch.class);
        partials.append(ID, cut.offset(), new ByteArrayInputStream(bTail), bTail.length, -1, Optional.empty());
        partials.append(ID, a.length + b.length, new ByteArrayInputStream(c), c.length, -1,
                Optional.of(MessageDigest.getInstance("SHA-256").digest(c)));

        ReceivedUpload done = partials.finish(ID, Optional.empty());
        assertThat(done.sha256()).isEqualTo(sha(a, b, c));
        assertThat(Sha256.ofFile(done.tempFile())).isEqualTo(done.sha256());
    }

    @Test
    void anAppendWithItsOwnChecksumCountsInTheUploadsHash() throws Exception {
        PartialStore partials = new PartialStore(spool());
        byte[] a = random(90_000, 12);
        byte[] b = random(80_000, 13);
        partials.append(ID, 0, new ByteArrayInputStream(a), a.length, -1, Optional.empty());
        partials.append(ID, a.length, new ByteArrayInputStream(b), b.length, -1,
                Optional.of(MessageDigest.getInstance("SHA-256").digest(b)));
        assertThat(partials.finish(ID, Optional.empty()).sha256()).isEqualTo(sha(a, b));
    }

    @Test
    void bytesAnotherProcessAppendedAreHashedFromTheFile() throws Exception {
        PartialStore partials = new PartialStore(spool());
        byte[] a = random(100_000, 4);
        byte[] b = random(70_000, 5);
        partials.append(ID, 0, new ByteArrayInputStream(a), a.length, -1, Optional.empty());
        appendFromAnotherProcess(b); // this process's hash covers only a
        assertThat(partials.finish(ID, Optional.empty()).sha256()).isEqualTo(sha(a, b));
    }

    @Test
    void anAppendAfterBytesFromElsewhereDoesNotContinueAStaleHash() throws Exception {
        PartialStore partials = new PartialStore(spool());
        byte[] a = random(100_000, 6);
        byte[] b = random(70_000, 7);
        byte[] c = random(50_000, 8);
        partials.append(ID, 0, new ByteArrayInputStream(a), a.length, -1, Optional.empty());
        appendFromAnotherProcess(b);
        partials.append(ID, a.length + b.length, new ByteArrayInputStream(c), c.length, -1, Optional.empty());
        assertThat(partials.finish(ID, Optional.empty()).sha256()).isEqualTo(sha(a, b, c));
    }

    @Test
    void afterARestartTheUploadIsHashedFromItsFile() throws Exception {
        Spool spool = spool();
        byte[] a = random(100_000, 9);
        byte[] b = random(30_000, 10);
        new PartialStore(spool).append(ID, 0, new ByteArrayInputStream(a), a.length, -1, Optional.empty());
        PartialStore restarted = new PartialStore(spool);
        restarted.append(ID, a.length, new ByteArrayInputStream(b), b.length, -1, Optional.empty());
        assertThat(restarted.finish(ID, Optional.empty()).sha256()).isEqualTo(sha(a, b));
    }

    @Test
    void aFinishThatIsRetriedGivesTheSameHash() throws Exception {
        PartialStore partials = new PartialStore(spool());
        byte[] a = random(100_000, 11);
        partials.append(ID, 0, new ByteArrayInputStream(a), a.length, -1, Optional.empty());
        // A finish whose commit failed is asked again: the carried hash is not used up by the first.
        ReceivedUpload first = partials.finish(ID, Optional.empty());
        assertThat(partials.finish(ID, Optional.empty()).sha256()).isEqualTo(first.sha256()).isEqualTo(sha(a));
    }
}
