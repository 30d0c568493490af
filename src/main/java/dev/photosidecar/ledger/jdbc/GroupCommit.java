package dev.photosidecar.ledger.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Lets concurrent callers share one database commit. Each caller queues its item; whoever gets the writer's
 * turn writes everything queued so far in one transaction, and the others find their item done when their
 * turn comes. With synchronous=FULL every SQLite commit costs an fsync, and commits cannot overlap, so one
 * commit per upload capped intake far below the disk's own limit (docs/performance.md); batched, eight
 * uploads that finish together cost one fsync.
 *
 * <p>A batch is never held back waiting for company: a lone caller writes at once, so nothing gets slower
 * when there is no contention.
 */
final class GroupCommit<T, R> {
    /** What became of one item: its result, or the exception its caller gets. */
    record Outcome<R>(R result, RuntimeException error) {
        static <R> Outcome<R> of(R result) {
            return new Outcome<>(result, null);
        }

        static <R> Outcome<R> failed(RuntimeException error) {
            return new Outcome<>(null, error);
        }
    }

    private static final class Slot<T, R> {
        final T item;
        Outcome<R> outcome;

        Slot(T item) {
            this.item = item;
        }
    }

    private final Function<List<T>, List<Outcome<R>>> writeAll;
    private final ReentrantLock writerTurn = new ReentrantLock();
    private final Object queueLock = new Object();
    private List<Slot<T, R>> queue = new ArrayList<>();

    /** {@code writeAll} writes the items in one transaction and returns one outcome per item, in order. */
    GroupCommit(Function<List<T>, List<Outcome<R>>> writeAll) {
        this.writeAll = writeAll;
    }

    R submit(T item) {
        Slot<T, R> mine = new Slot<>(item);
        synchronized (queueLock) {
            queue.add(mine);
        }
        writerTurn.lock();
        try {
            if (mine.outcome == null) {
                List<Slot<T, R>> batch;
                synchronized (queueLock) {
                    batch = queue;
                    queue = new ArrayList<>();
                }
                write(batch);
            }
        } finally {
            writerTurn.unlock();
        }
        if (mine.outcome.error() != null) {
            throw mine.outcome.error();
        }
        return mine.outcome.result();
    }

    /** Items waiting for the writer's turn (for tests). */
    int queued() {
        synchronized (queueLock) {
            return queue.size();
        }
    }

    private void write(List<Slot<T, R>> batch) {
        List<Outcome<R>> outcomes;
        try {
            outcomes = writeAll.apply(batch.stream().map(s -> s.item).toList());
            if (outcomes.size() != batch.size()) {
                throw new IllegalStateException(outcomes.size() + " outcomes for " + batch.size() + " items");
            }
        } catch (RuntimeException e) {
            outcomes = batch.stream().<Outcome<R>>map(s -> Outcome.failed(e)).toList();
        }
        for (int i = 0; i < batch.size(); i++) {
            batch.get(i).outcome = outcomes.get(i);
        }
    }
}
