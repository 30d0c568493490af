package dev.photosidecar.spool;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Hashes a large body on a second thread while the request thread goes on reading and writing it. SHA-256 (about
 * 1.5 GB/s on this project's machines) and the copy to disk each take about half of a large upload's time on one
 * thread; side by side, a video arrives at close to the disk's speed (docs/performance.md, issue 17).
 *
 * <p>The pieces are hashed in the order they are handed over. A piece whose source can keep it ({@link
 * BodyPieces#keepLast}: Jetty's own buffers) is hashed where it lies and given back once hashed; anything else is
 * copied into one of this class's buffers first, gathered into whole buffers, and a buffer comes back for reuse only
 * once it is hashed, so nobody overwrites bytes the hash has not seen. Either way only a bounded number waits for the
 * hash, and the request thread waits when it is reached. A small body never gets here: handing it over would cost
 * more than it saves.
 */
final class HashBeside implements AutoCloseable {
    /** A piece at least this large is hashed where it lies when its source can keep it; a smaller one is gathered. */
    static final int KEEP_AT = 32 * 1024;
    /** Up to 1 MiB of Jetty's 64 KiB buffers wait for the hash, as much as this class's own buffers hold. */
    static final int KEPT_PIECES = 16;
    private static final Piece END = new Piece(null, () -> { });

    /** Bytes to hash and what gives their buffer back once they are. */
    private record Piece(ByteBuffer bytes, Runnable done) {
    }

    private final MessageDigest digest;
    private final BlockingQueue<Piece> toHash;
    private final BlockingQueue<byte[]> free;
    /** Kept pieces handed over and not yet hashed: at most {@link #KEPT_PIECES} of the server's buffers are held. */
    private final Semaphore waiting = new Semaphore(KEPT_PIECES);
    private final Future<?> hasher;
    private boolean ended;
    /** The buffer {@link #hash(ByteBuffer, BodyPieces)} is gathering small pieces into, and how far. */
    private byte[] filling;
    private int filled;

    /** Continues {@code digest} (which may hold the body's first bytes already) on a thread of {@code threads}. */
    HashBeside(MessageDigest digest, ExecutorService threads, int buffers, int bufferSize) {
        this.digest = digest;
        this.toHash = new LinkedBlockingQueue<>();
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
            try {
                digest.update(p.bytes());
            } finally {
                p.done().run();
            }
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
                failIfStopped();
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
    }

    /**
     * Hands {@code piece}'s remaining bytes to the hash (the piece itself is left as it was, to be written): where it
     * lies when {@code source} can keep it, else as a copy gathered into whole buffers; the last, partly filled buffer
     * goes with {@link #digest}.
     */
    void hash(ByteBuffer piece, BodyPieces source) {
        if (piece.remaining() >= KEEP_AT) {
            Runnable giveBack = source.keepLast();
            if (giveBack != null) {
                handOverFilling(); // what was gathered before this piece is hashed before it
                handOverKept(piece.duplicate(), giveBack);
                return;
            }
        }
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
        // Own buffers are bounded by their number: the queue never holds more than there are.
        toHash.add(new Piece(ByteBuffer.wrap(buf, 0, length), () -> free.add(buf)));
    }

    /** Hands a kept piece over once fewer than the limit wait; if it never is, it goes back to its source here. */
    private void handOverKept(ByteBuffer bytes, Runnable giveBack) {
        try {
            while (!waiting.tryAcquire(100, TimeUnit.MILLISECONDS)) {
                failIfStopped();
            }
        } catch (InterruptedException e) {
            giveBack.run();
            throw interrupted(e);
        } catch (RuntimeException e) {
            giveBack.run();
            throw e;
        }
        toHash.add(new Piece(bytes, () -> {
            giveBack.run();
            waiting.release();
        }));
    }

    private void failIfStopped() {
        if (hasher.isDone()) {
            throw new IllegalStateException("the body's hash stopped: " + outcomeOf(hasher));
        }
    }

    private static IllegalStateException interrupted(InterruptedException e) {
        Thread.currentThread().interrupt();
        return new IllegalStateException("interrupted while receiving a body", e);
    }

    /** The SHA-256 of everything handed over, once the hash has caught up. */
    byte[] digest() {
        return caughtUp().digest();
    }

    /**
     * The digest once everything handed over is in it, not finished: a resumable upload's hash goes on with its
     * next append (spool/RunningHashes). Nothing may be handed over after this.
     */
    MessageDigest caughtUp() {
        handOverFilling();
        toHash.add(END);
        ended = true;
        try {
            hasher.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing a body", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the body's hash failed: " + e.getCause(), e.getCause());
        }
        return digest;
    }

    /**
     * Stops the hash of a body that ended without {@link #digest} (a refusal, a client that went away), and gives back
     * every kept piece it had not hashed yet.
     */
    @Override
    public void close() {
        if (!ended) {
            hasher.cancel(true); // a piece it is hashing now it gives back itself, once done
        }
        for (Piece p; (p = toHash.poll()) != null; ) {
            p.done().run();
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
