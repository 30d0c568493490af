package dev.photosidecar.spool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A body past {@link Spool#HASH_BESIDE_AFTER} is hashed on a second thread ({@link HashBeside}): the digest must be
 * the body's, in every piece size, and a body refused on the way leaves nothing behind.
 */
@UnitTest
class LargeBodyTest {
    @TempDir
    Path dir;

    private static byte[] random(int size, long seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    private Spool spool() {
        return new Spool(dir.resolve("spool"), dir.resolve("quarantine"), 0, 1L << 30, Clock.systemUTC());
    }

    @Test
    void theDigestOfALargeBodyIsItsOwnAndTheFileHoldsItsBytes() throws Exception {
        byte[] body = random((int) Spool.HASH_BESIDE_AFTER + 5 * 1024 * 1024 + 123, 1);
        byte[] sha = MessageDigest.getInstance("SHA-256").digest(body);
        ReceivedUpload up = spool().receive(new ByteArrayInputStream(body), body.length, Optional.of(sha));
        assertThat(up.size()).isEqualTo(body.length);
        assertThat(up.sha256()).isEqualTo(Sha256.hex(sha));
        assertThat(Files.readAllBytes(up.tempFile())).isEqualTo(body);
    }

    @Test
    void aLargeBodyWithAnotherDigestIsRefusedAndLeavesNothing() throws IOException {
        byte[] body = random((int) Spool.HASH_BESIDE_AFTER + 1024 * 1024, 2);
        assertThatThrownBy(() -> spool().receive(new ByteArrayInputStream(body), body.length, Optional.of(new byte[32])))
                .isInstanceOf(DigestMismatch.class);
        assertThat(incoming()).isEmpty();
    }

    @Test
    void aLargeBodyCutShortIsRefusedAndLeavesNothing() throws IOException {
        byte[] part = random((int) Spool.HASH_BESIDE_AFTER + 3 * 1024 * 1024, 3);
        InputStream cut = new SequenceInputStream(new ByteArrayInputStream(part), new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        });
        assertThatThrownBy(() -> spool().receive(cut, part.length * 2L, Optional.empty()))
                .isInstanceOf(LengthMismatch.class);
        assertThat(incoming()).isEmpty();
    }

    @Test
    void theHashOnTheSecondThreadMatchesOneThreadsForAnyPieces() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            Random sizes = new Random(4);
            MessageDigest alone = MessageDigest.getInstance("SHA-256");
            MessageDigest started = MessageDigest.getInstance("SHA-256");
            byte[] head = random(1000, 5);
            alone.update(head);
            started.update(head);
            try (HashBeside beside = new HashBeside(started, threads, 3, 4096)) {
                for (int i = 0; i < 2000; i++) {
                    byte[] buf = beside.nextBuffer();
                    int n = 1 + sizes.nextInt(buf.length);
                    new Random(i).nextBytes(buf);
                    alone.update(buf, 0, n);
                    beside.hash(buf, n);
                }
                assertThat(beside.digest()).isEqualTo(alone.digest());
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void keptPiecesAreHashedWhereTheyLieAndEachIsGivenBackOnceAfterItsHash() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            MessageDigest alone = MessageDigest.getInstance("SHA-256");
            ScramblingSource source = new ScramblingSource(7);
            try (HashBeside beside = new HashBeside(MessageDigest.getInstance("SHA-256"), threads, 3, 4096)) {
                for (int i = 0; i < 3000; i++) {
                    ByteBuffer piece = source.next();
                    alone.update(piece.duplicate());
                    beside.hash(piece, source);
                    piece.position(piece.limit()); // written
                }
                source.close();
                assertThat(beside.digest()).isEqualTo(alone.digest());
            }
            assertThat(source.kept.get()).as("pieces kept").isGreaterThan(100);
            assertThat(source.givenBack.get()).as("given back").isEqualTo(source.kept.get());
            assertThat(source.givenBackTwice).isFalse();
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void aBodyAbandonedBeforeItsDigestGivesBackEveryKeptPiece() throws Exception {
        ExecutorService threads = Executors.newCachedThreadPool();
        try {
            ScramblingSource source = new ScramblingSource(8);
            try (HashBeside beside = new HashBeside(MessageDigest.getInstance("SHA-256"), threads, 3, 4096)) {
                for (int i = 0; i < 200; i++) {
                    beside.hash(source.next(), source);
                }
            }
            source.close();
            assertThat(source.kept).as("pieces kept").hasPositiveValue();
            // the piece being hashed at close() is given back by the hash thread once that update ends
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(source.givenBack).hasValue(source.kept.get()));
            assertThat(source.givenBackTwice).isFalse();
        } finally {
            threads.shutdownNow();
        }
    }

    /**
     * A server's buffers, the way Jetty lends them: a piece not kept is overwritten as soon as the next is asked for,
     * and a kept one the moment it is given back, so a hash that read a buffer it no longer held gets the wrong digest.
     */
    private static final class ScramblingSource implements BodyPieces {
        final java.util.concurrent.atomic.AtomicInteger kept = new java.util.concurrent.atomic.AtomicInteger();
        final java.util.concurrent.atomic.AtomicInteger givenBack = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean givenBackTwice;
        private final Random random;
        private ByteBuffer last;
        private boolean lastKept;

        ScramblingSource(long seed) {
            this.random = new Random(seed);
        }

        @Override
        public ByteBuffer next() {
            scrambleUnlessKept();
            int size = random.nextBoolean() ? HashBeside.KEEP_AT + random.nextInt(64 * 1024) : 1 + random.nextInt(HashBeside.KEEP_AT);
            byte[] bytes = new byte[size];
            random.nextBytes(bytes);
            last = ByteBuffer.allocateDirect(size).put(bytes).flip();
            lastKept = false;
            return last;
        }

        @Override
        public Runnable keepLast() {
            ByteBuffer buf = last;
            lastKept = true;
            kept.incrementAndGet();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            return () -> {
                if (!done.compareAndSet(false, true)) {
                    givenBackTwice = true;
                }
                scramble(buf);
                givenBack.incrementAndGet();
            };
        }

        @Override
        public void close() {
            scrambleUnlessKept();
        }

        private void scrambleUnlessKept() {
            if (last != null && !lastKept) {
                scramble(last);
            }
        }

        private static void scramble(ByteBuffer buf) {
            for (int i = 0; i < buf.capacity(); i++) {
                buf.put(i, (byte) (buf.get(i) ^ 0x5a));
            }
        }
    }

    private java.util.List<Path> incoming() throws IOException {
        // The files at any depth: the spool receives into this process's own folder in incoming/.
        return dev.photosidecar.support.Files2.regularFiles(dir.resolve("spool/incoming"));
    }
}
