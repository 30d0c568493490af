package dev.photosidecar.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.photosidecar.support.UnitTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class WriteBehindTest {
    @TempDir
    Path dir;

    @Test
    void aLargeFileIsSyncedEarlyWhileItIsWrittenAndComesOutWhole() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        ExecutorService pool = Executors.newCachedThreadPool();
        byte[] piece = new byte[64 * 1024];
        new Random(7).nextBytes(piece);
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        Path file = dir.resolve("large");
        long total = 0;
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            WriteBehind behind = new WriteBehind(out, task -> {
                syncs.incrementAndGet();
                pool.execute(task);
            });
            while (total < 3 * WriteBehind.EVERY + 12345) {
                ByteBuffer b = ByteBuffer.wrap(piece);
                while (b.hasRemaining()) {
                    out.write(b);
                }
                sent.update(piece);
                total += piece.length;
                behind.written(total);
            }
            behind.finish();
        } finally {
            pool.shutdown();
        }
        assertThat(syncs.get()).as("early syncs started while the file was written").isBetween(1, 3);
        assertThat(Files.size(file)).isEqualTo(total);
        assertThat(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file))).isEqualTo(sent.digest());
    }

    @Test
    void aPhotoNeverStartsOne() throws Exception {
        AtomicInteger syncs = new AtomicInteger();
        try (FileChannel out = FileChannel.open(dir.resolve("photo"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            WriteBehind behind = new WriteBehind(out, task -> {
                syncs.incrementAndGet();
                task.run();
            });
            out.write(ByteBuffer.allocate(5 * 1024 * 1024));
            behind.written(5 * 1024 * 1024);
            behind.finish();
        }
        assertThat(syncs.get()).isZero();
    }

    /**
     * A write-back error is reported once, to the descriptor open when it happened; the commit's fsync opens another
     * and may never see it. So an early sync's failure must fail the body, not vanish with its thread.
     */
    @Test
    void anEarlySyncThatFailsFailsTheBody() throws Exception {
        FileChannel out = FileChannel.open(dir.resolve("broken"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        WriteBehind behind = new WriteBehind(out, Runnable::run);
        out.close(); // its force now fails, as a failing disk's would
        behind.written(WriteBehind.EVERY);
        assertThat(catchThrowable(behind::finish)).isInstanceOf(ClosedChannelException.class);
        assertThat(catchThrowable(() -> behind.written(2 * WriteBehind.EVERY)))
                .as("and every later call, until the body is given up").isInstanceOf(IOException.class);
    }

    @Test
    void theFileIsNotClosedUnderARunningSync() throws Exception {
        CountDownLatch syncMayEnd = new CountDownLatch(1);
        CountDownLatch syncStarted = new CountDownLatch(1);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try (FileChannel out = FileChannel.open(dir.resolve("slow"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            WriteBehind behind = new WriteBehind(out, task -> pool.execute(() -> {
                syncStarted.countDown();
                try {
                    syncMayEnd.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                task.run();
            }));
            behind.written(WriteBehind.EVERY);
            syncStarted.await();
            Thread finisher = new Thread(behind::abandon);
            finisher.start();
            finisher.join(200);
            assertThat(finisher.isAlive()).as("abandon waits for the sync still running").isTrue();
            syncMayEnd.countDown();
            finisher.join();
            assertThat(out.isOpen()).isTrue();
        } finally {
            pool.shutdown();
        }
    }
}
