package dev.photosidecar.cli.push;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * Random access to a run of bytes (a file, or a part of one), for the metadata readers: they jump from
 * offset to offset instead of reading whole files, so a 4 GB video costs a few small reads.
 */
abstract class ByteSource {

    abstract long size();

    /** Up to {@code length} bytes at {@code position}; fewer at the end, none past it. */
    abstract byte[] read(long position, int length) throws IOException;

    static ByteSource of(FileChannel channel) throws IOException {
        long size = channel.size();
        return new ByteSource() {
            @Override
            long size() {
                return size;
            }

            @Override
            byte[] read(long position, int length) throws IOException {
                if (position < 0 || position >= size || length <= 0) {
                    return new byte[0];
                }
                ByteBuffer buf = ByteBuffer.allocate((int) Math.min(length, size - position));
                while (buf.hasRemaining()) {
                    if (channel.read(buf, position + buf.position()) < 0) {
                        break;
                    }
                }
                byte[] out = new byte[buf.position()];
                buf.flip().get(out);
                return out;
            }
        };
    }

    /** The bytes from {@code offset}, {@code length} long (clipped to what exists). */
    ByteSource slice(long offset, long length) {
        ByteSource whole = this;
        long start = Math.max(0, Math.min(offset, whole.size()));
        long size = Math.max(0, Math.min(length, whole.size() - start));
        return new ByteSource() {
            @Override
            long size() {
                return size;
            }

            @Override
            byte[] read(long position, int n) throws IOException {
                if (position < 0 || position >= size || n <= 0) {
                    return new byte[0];
                }
                return whole.read(start + position, (int) Math.min(n, size - position));
            }
        };
    }

    /** Exactly {@code n} bytes, or an IOException: a truncated or corrupt file ends the search. */
    byte[] exactly(long position, int n) throws IOException {
        byte[] b = read(position, n);
        if (b.length != n) {
            throw new IOException("unexpected end of data at " + position);
        }
        return b;
    }

    long u32be(long position) throws IOException {
        byte[] b = exactly(position, 4);
        return (b[0] & 0xFFL) << 24 | (b[1] & 0xFFL) << 16 | (b[2] & 0xFFL) << 8 | b[3] & 0xFFL;
    }

    long u64be(long position) throws IOException {
        return u32be(position) << 32 | u32be(position + 4);
    }

    int u16be(long position) throws IOException {
        byte[] b = exactly(position, 2);
        return (b[0] & 0xFF) << 8 | b[1] & 0xFF;
    }

    long u32le(long position) throws IOException {
        byte[] b = exactly(position, 4);
        return (b[3] & 0xFFL) << 24 | (b[2] & 0xFFL) << 16 | (b[1] & 0xFFL) << 8 | b[0] & 0xFFL;
    }

    /** An unsigned big-endian number of 0, 1, 2, 4 or 8 bytes (ISO BMFF's variable-width fields). */
    long unsignedBe(long position, int width) throws IOException {
        return switch (width) {
            case 0 -> 0;
            case 1 -> exactly(position, 1)[0] & 0xFF;
            case 2 -> u16be(position);
            case 4 -> u32be(position);
            case 8 -> u64be(position);
            default -> throw new IOException("field width " + width);
        };
    }

    String ascii(long position, int n) throws IOException {
        return new String(exactly(position, n), java.nio.charset.StandardCharsets.ISO_8859_1);
    }
}
