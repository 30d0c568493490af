package dev.photosidecar.push;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * The creation time in a QuickTime/MP4 movie header ({@code moov/mvhd}, ISO/IEC 14496-12), found by reading box
 * headers only. Kept by hand rather than taken from metadata-extractor: its QuickTime and MP4 readers (2.21.0)
 * stop at any box larger than 2 GiB, and cameras and iPhones write the media data ({@code mdat}) before
 * {@code moov}, so every video over 2 GiB would lose its capture time. Here a 4 GB video costs a few small reads.
 */
final class MovieHeader {
    private static final int MAX_BOXES = 10_000;
    /** mvhd counts seconds from 1904-01-01 UTC. */
    private static final long SECONDS_1904_TO_1970 = 2_082_844_800L;
    /** Older times are unset fields or garbage (some cameras write 0, or local time from a dead clock). */
    private static final Instant PLAUSIBLE_SINCE = LocalDate.of(1971, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);

    private MovieHeader() {
    }

    static Optional<Instant> creationTime(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long[] moov = find(ch, 0, ch.size(), "moov");
            long[] mvhd = moov == null ? null : find(ch, moov[0], moov[1], "mvhd");
            if (mvhd == null) {
                return Optional.empty();
            }
            ByteBuffer b = read(ch, mvhd[0], 12);
            long seconds = b.get(0) == 1 ? b.getLong(4) : b.getInt(4) & 0xFFFF_FFFFL;
            if (seconds <= 0 || seconds > Long.MAX_VALUE / 2) {
                return Optional.empty();
            }
            Instant t = Instant.ofEpochSecond(seconds - SECONDS_1904_TO_1970);
            return t.isBefore(PLAUSIBLE_SINCE) ? Optional.empty() : Optional.of(t);
        }
    }

    /** {payload start, end} of the first box of {@code type} among those filling [start, end); null if none. */
    private static long[] find(FileChannel ch, long start, long end, String type) throws IOException {
        long pos = start;
        for (int i = 0; i < MAX_BOXES && pos + 8 <= end; i++) {
            ByteBuffer h = read(ch, pos, (int) Math.min(16, end - pos));
            long size = h.getInt(0) & 0xFFFF_FFFFL;
            long header = 8;
            if (size == 1 && h.limit() == 16) {
                size = h.getLong(8);
                header = 16;
            } else if (size == 0) {
                size = end - pos; // to the end of the enclosing box
            }
            if (size < header || size > end - pos) {
                return null;
            }
            if (new String(h.array(), 4, 4, StandardCharsets.ISO_8859_1).equals(type)) {
                return new long[] {pos + header, pos + size};
            }
            pos += size;
        }
        return null;
    }

    private static ByteBuffer read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            if (ch.read(b, position + b.position()) < 0) {
                throw new IOException("the file ends inside a box at " + position);
            }
        }
        return b.flip();
    }
}
