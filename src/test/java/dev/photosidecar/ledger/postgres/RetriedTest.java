package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.PostgresTest;
import dev.photosidecar.support.PostgresTestDatabase;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What the PostgreSQL ledger does when the server rolls its work back: a deadlock (two transactions locking two rows
 * in opposite orders, as two bulk changes can) is run once more and then succeeds; any other error is not repeated.
 * Against a real PostgreSQL, which detects the deadlock itself.
 */
@PostgresTest
class RetriedTest {
    @RegisterExtension
    static final PostgresTestDatabase db = new PostgresTestDatabase();

    @Test
    void aTransactionPostgresqlAbortsAsADeadlockRunsOnceMoreAndSucceeds() throws Exception {
        try (PostgresDatabase.Pooled pool = PostgresDatabase.open(db.fresh().jdbcUrl(), db.user(), db.password(), 4)) {
            pool.jdbi().useHandle(h -> h.execute("INSERT INTO users (id, created_at) VALUES ('a', 0), ('b', 0)"));
            Retried retried = new Retried(pool.jdbi());
            CountDownLatch bothHoldTheirFirstRow = new CountDownLatch(2);
            AtomicInteger runs = new AtomicInteger();
            ExecutorService threads = Executors.newFixedThreadPool(2);
            try {
                List<Future<String>> done = List.of("a", "b").stream().map(first -> threads.submit(() ->
                        retried.inTransaction(h -> {
                            runs.incrementAndGet();
                            lock(h, first);
                            bothHoldTheirFirstRow.countDown();
                            await(bothHoldTheirFirstRow);
                            lock(h, first.equals("a") ? "b" : "a");
                            return first;
                        }))).toList();
                assertThat(done.get(0).get(60, TimeUnit.SECONDS)).isEqualTo("a");
                assertThat(done.get(1).get(60, TimeUnit.SECONDS)).isEqualTo("b");
            } finally {
                threads.shutdownNow();
            }
            assertThat(runs.get()).as("the deadlock's victim ran twice, the other once").isEqualTo(3);
        }
    }

    @Test
    void anyOtherErrorIsNotRepeated() {
        try (PostgresDatabase.Pooled pool = PostgresDatabase.open(db.fresh().jdbcUrl(), db.user(), db.password(), 2)) {
            Retried retried = new Retried(pool.jdbi());
            AtomicInteger runs = new AtomicInteger();
            assertThatThrownBy(() -> retried.withHandle(h -> {
                runs.incrementAndGet();
                return h.execute("INSERT INTO users (id, created_at) VALUES ('a', 0), ('a', 0)");
            })).isInstanceOf(UnableToExecuteStatementException.class).satisfies(e ->
                    assertThat(PostgresErrors.isUniqueViolation(e)).isTrue());
            assertThat(runs.get()).isEqualTo(1);
        }
    }

    private static void lock(Handle h, String user) {
        h.createQuery("SELECT id FROM users WHERE id = :id FOR UPDATE").bind("id", user).mapTo(String.class).one();
    }

    private static void await(CountDownLatch latch) {
        try {
            // On the second run the latch is long open: the rerun takes its locks without waiting for anyone.
            if (!latch.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the other transaction never took its first lock");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
