package dev.photosidecar.spool;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Hashes a large body on a second thread while the request thread goes on reading and writing it. SHA-256 (about
 * 1.5 GB/s on this project's machines) and the copy to disk each take about half of a large upload's time on one
 * thread; side by side, a video arrives at close to the disk's speed (docs/performance.md, issue 17).
 *
 * <p>The pieces are hashed in the order they are handed over, each from its own buffer; a buffer comes back for
 * reuse only once it is hashed, so the request thread never overwrites bytes the hash has not seen. A small body never
 * gets here: handing it over would cost more than it saves.
 */
final class HashBeside implements AutoCloseable {
    private static final Piece END = new Piece(null, -1);

    private record Piece(byte[] buf, int length) {
    }

    private final MessageDigest digest;
    private final BlockingQueue<Piece> toHash;
    private final BlockingQueue<byte[]> free;
    private final Future<?> hasher;
    private boolean ended;
    /** The buffer {@link #hash(ByteBuffer)} is filling, and how far. */
    private byte[] filling;
    private int filled;

    /** Continues {@code digest} (which may hold the body's first bytes already) on a thread of {@code threads}. */
    HashBeside(MessageDigest digest, ExecutorService threads, int buffers, int bufferSize) {
        this.digest = digest;
        this.toHash = new ArrayBlockingQueue<>(buffers + 1);
        this.free = new ArrayBlockingQueue<>(buffers);
        for (int i = 0; i < buffers; i++) {
            free.add(new byte[bufferSize]);
        }
        this.hasher = threads.submit(this::hashAll);
    }

    private Void hashAll() throws InterruptedException {
        while (true) {
            Piece p = toHash.take();
            if (p == END) {
                return null;
            }
            digest.update(p.buf(), 0, p.length());
            free.put(p.buf());
        }
    }

    /** A buffer to read the next piece into, once the hash is done with it. */
    byte[] nextBuffer() {
        try {
            while (true) {
                byte[] buf = free.poll(100, TimeUnit.MILLISECONDS);
                if (buf != null) {
                    return buf;
                }
                if (hasher.isDone()) {
                    throw new IllegalStateException("the body's hash stopped: " + outcomeOf(hasher));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while receiving a body", e);
        }
    }

    /**
     * Hands a copy of {@code piece}'s remaining bytes to the hash, gathered into whole buffers (the piece itself is
     * left as it was, to be written); the last, partly filled buffer goes with {@link #digest}.
     */
    void hash(ByteBuffer piece) {
        ByteBuffer copy = piece.duplicate();
        while (copy.hasRemaining()) {
            if (filling == null) {
                filling = nextBuffer();
                filled = 0;
            }
            int take = Math.min(filling.length - filled, copy.remaining());
            copy.get(filling, filled, take);
            filled += take;
            if (filled == filling.length) {
                handOverFilling();
            }
        }
    }

    private void handOverFilling() {
        if (filling != null && filled > 0) {
            hash(filling, filled);
        }
        filling = null;
    }

    /** Hands {@code length} bytes of {@code buf} (from {@link #nextBuffer}) to the hash; the caller may still read them. */
    void hash(byte[] buf, int length) {
        put(new Piece(buf, length));
    }

    /** The SHA-256 of everything handed over, once the hash has caught up. */
    byte[] digest() {
        handOverFilling();
        put(END);
        ended = true;
        try {
            hasher.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing a body", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the body's hash failed: " + e.getCause(), e.getCause());
        }
        return digest.digest();
    }

    /** Stops the hash of a body that ended without {@link #digest} (a refusal, a client that went away). */
    @Override
    public void close() {
        if (!ended) {
            hasher.cancel(true);
        }
    }

    private void put(Piece p) {
        try {
            // Never blocks for long: the queue holds every buffer there is, plus the end.
            toHash.put(p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while receiving a body", e);
        }
    }

    private static String outcomeOf(Future<?> f) {
        try {
            f.get();
            return "it ended early";
        } catch (ExecutionException e) {
            return String.valueOf(e.getCause());
        } catch (InterruptedException | java.util.concurrent.CancellationException e) {
            return "cancelled";
        }
    }
}
