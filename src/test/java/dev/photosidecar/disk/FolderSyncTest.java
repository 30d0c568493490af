package dev.photosidecar.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.UnitTest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

@UnitTest
class FolderSyncTest {
    @Test
    void callersThatArriveDuringAnFsyncAreCoveredByTheNextOneTogether() throws Exception {
        AtomicInteger fsyncs = new AtomicInteger();
        CountDownLatch firstMayEnd = new CountDownLatch(1);
        FolderSync sync = new FolderSync(() -> {
            if (fsyncs.incrementAndGet() == 1) {
                hold(firstMayEnd);
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> calls = new ArrayList<>();
            calls.add(pool.submit(() -> call(sync)));
            await().atMost(Duration.ofSeconds(10)).until(() -> fsyncs.get() == 1);
            for (int i = 0; i < 7; i++) {
                calls.add(pool.submit(() -> call(sync)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> sync.tickets() == 8);
            firstMayEnd.countDown();
            for (Future<?> f : calls) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(fsyncs).as("the first fsync, then one for the seven that waited").hasValue(2);
    }

    @Test
    void aLoneCallerSyncsAtOnceEveryTime() throws IOException {
        AtomicInteger fsyncs = new AtomicInteger();
        FolderSync sync = new FolderSync(fsyncs::incrementAndGet);
        sync.afterRename();
        sync.afterRename();
        assertThat(fsyncs).hasValue(2);
    }

    @Test
    void aFailedFsyncIsTheRunnersErrorAndCoversNobody() throws Exception {
        AtomicInteger fsyncs = new AtomicInteger();
        CountDownLatch firstMayFail = new CountDownLatch(1);
        FolderSync sync = new FolderSync(() -> {
            if (fsyncs.incrementAndGet() == 1) {
                hold(firstMayFail);
                throw new IOException("EIO");
            }
        });
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> failing = pool.submit(() -> call(sync));
            await().atMost(Duration.ofSeconds(10)).until(() -> fsyncs.get() == 1);
            Future<?> waiting = pool.submit(() -> call(sync));
            await().atMost(Duration.ofSeconds(10)).until(() -> sync.tickets() == 2);
            firstMayFail.countDown();
            assertThat(catchThrowable(failing::get)).hasRootCauseMessage("EIO");
            waiting.get();
        } finally {
            pool.shutdownNow();
        }
        assertThat(fsyncs).as("the waiter ran an fsync of its own").hasValue(2);
    }

    private static Void call(FolderSync sync) throws IOException {
        sync.afterRename();
        return null;
    }

    private static void hold(CountDownLatch latch) throws IOException {
        try {
            latch.await();
        } catch (InterruptedException e) {
            throw new IOException(e);
        }
    }
}
