package dev.photosidecar.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Writes a body's pieces to its file in few system calls: a large piece as it is, small ones (a phone on a slow
 * network hands over a few KiB at a time) gathered into one write of up to 64 KiB. The gathering buffer lives
 * outside the heap and stays with its thread, so neither a piece nor the gathered bytes are copied again on the way
 * to the kernel (a heap buffer would be, into the JDK's own temporary one).
 */
final class GatheredWrites {
    static final int SIZE = 64 * 1024;
    private static final ThreadLocal<ByteBuffer> GATHER = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SIZE));

    private final FileChannel out;
    private ByteBuffer gather;
    private long written;

    GatheredWrites(FileChannel out) {
        this.out = out;
    }

    /** Writes, or keeps for the next write, all of {@code piece}'s remaining bytes. */
    void write(ByteBuffer piece) throws IOException {
        if ((gather == null || gather.position() == 0) && piece.remaining() >= SIZE / 2) {
            written += writeFully(piece);
            return;
        }
        if (gather == null) {
            gather = GATHER.get();
            gather.clear();
        }
        while (piece.hasRemaining()) {
            int take = Math.min(gather.remaining(), piece.remaining());
            gather.put(piece.slice(piece.position(), take));
            piece.position(piece.position() + take);
            if (!gather.hasRemaining()) {
                flush();
            }
        }
    }

    /** Writes what is gathered. */
    void flush() throws IOException {
        if (gather != null && gather.position() > 0) {
            gather.flip();
            written += writeFully(gather);
            gather.clear();
        }
    }

    /** Bytes that have reached the file so far (not those still gathered). */
    long written() {
        return written;
    }

    private int writeFully(ByteBuffer b) throws IOException {
        int n = b.remaining();
        while (b.hasRemaining()) {
            out.write(b);
        }
        return n;
    }
}
