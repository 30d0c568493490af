package dev.photosidecar.support;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * {@code length} bytes of a deterministic pseudo-random stream (SplitMix64 of the 8-byte word's index,
 * so no two regions repeat), hashed with SHA-256 as they are read.
 */
public final class GeneratedBody extends InputStream {
    private static final int CHUNK = 64 * 1024;

    private final long length;
    private final MessageDigest digest;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
    private long position;

    public GeneratedBody(long length) {
        this.length = length;
        this.digest = newDigest();
        chunk.limit(0);
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
        if (position >= length) {
            return -1;
        }
        if (!chunk.hasRemaining()) {
            fill();
        }
        int n = (int) Math.min(Math.min(len, chunk.remaining()), length - position);
        chunk.get(b, off, n);
        digest.update(b, off, n);
        position += n;
        return n;
    }

    /**
     * Jumps ahead without generating or hashing the skipped bytes, so a resumed upload can send from any
     * offset. After a skip, {@link #sha256()} covers only the bytes actually read.
     */
    @Override
    public long skip(long n) {
        long step = Math.max(0, Math.min(n, length - position));
        position += step;
        chunk.limit(0);
        return step;
    }

    private void fill() {
        chunk.clear();
        long word = position / Long.BYTES;
        while (chunk.hasRemaining()) {
            chunk.putLong(splitMix64(word++));
        }
        chunk.flip();
        // After a skip the position need not be word-aligned.
        chunk.position((int) (position % Long.BYTES));
    }

    private static long splitMix64(long x) {
        long z = x * 0x9E3779B97F4A7C15L + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public long position() {
        return position;
    }

    public String sha256() {
        return HexFormat.of().formatHex(digest.digest());
    }

    private static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
