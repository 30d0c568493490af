package dev.photosidecar.cli.push;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Optional;

/**
 * Reads the ISO base media file format (ISO/IEC 14496-12) just far enough for a capture time: in HEIF
 * (HEIC, AVIF) the {@code Exif} item that {@code meta/iinf} names and {@code meta/iloc} locates; in
 * QuickTime and MP4 the creation time of the movie header {@code moov/mvhd}. Only box headers are read
 * on the way, so the media data, however large, is skipped.
 */
final class IsoMediaBoxes {
    private static final int MAX_BOXES = 10_000;
    /** mvhd counts seconds from 1904-01-01 UTC. */
    private static final long SECONDS_1904_TO_1970 = 2_082_844_800L;
    /** Older times are unset fields or garbage (some cameras write 0, or local time from a dead clock). */
    private static final Instant PLAUSIBLE_SINCE = LocalDate.of(1971, 1, 1).atStartOfDay().toInstant(ZoneOffset.UTC);

    private IsoMediaBoxes() {
    }

    /** A box: its type and where its payload lies (after the header). */
    private record Box(String type, long payload, long end) {
    }

    /** The first box of {@code type} among the boxes that fill [start, end). */
    private static Optional<Box> find(ByteSource src, long start, long end, String type) throws IOException {
        long pos = start;
        for (int i = 0; i < MAX_BOXES && pos + 8 <= end; i++) {
            long size = src.u32be(pos);
            String t = src.ascii(pos + 4, 4);
            long header = 8;
            if (size == 1) {
                size = src.u64be(pos + 8);
                header = 16;
            } else if (size == 0) {
                size = end - pos; // to the end of the enclosing box
            }
            if (size < header || pos + size > end) {
                return Optional.empty();
            }
            if (t.equals(type)) {
                return Optional.of(new Box(t, pos + header, pos + size));
            }
            pos += size;
        }
        return Optional.empty();
    }

    static Optional<Instant> movieCreationTime(ByteSource file) throws IOException {
        Optional<Box> moov = find(file, 0, file.size(), "moov");
        if (moov.isEmpty()) {
            return Optional.empty();
        }
        Optional<Box> mvhd = find(file, moov.get().payload(), moov.get().end(), "mvhd");
        if (mvhd.isEmpty()) {
            return Optional.empty();
        }
        long p = mvhd.get().payload();
        int version = file.exactly(p, 1)[0] & 0xFF;
        long seconds = version == 1 ? file.u64be(p + 4) : file.u32be(p + 4);
        if (seconds <= 0 || seconds > Long.MAX_VALUE / 2) {
            return Optional.empty();
        }
        Instant t = Instant.ofEpochSecond(seconds - SECONDS_1904_TO_1970);
        return t.isBefore(PLAUSIBLE_SINCE) ? Optional.empty() : Optional.of(t);
    }

    /** The TIFF structure inside a HEIF file's Exif item. */
    static Optional<ByteSource> heifExif(ByteSource file) throws IOException {
        Optional<Box> meta = find(file, 0, file.size(), "meta");
        if (meta.isEmpty()) {
            return Optional.empty();
        }
        long children = meta.get().payload() + 4; // meta is a full box: version and flags first
        Optional<Box> iinf = find(file, children, meta.get().end(), "iinf");
        Optional<Box> iloc = find(file, children, meta.get().end(), "iloc");
        if (iinf.isEmpty() || iloc.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> itemId = exifItemId(file, iinf.get());
        if (itemId.isEmpty()) {
            return Optional.empty();
        }
        Optional<ByteSource> item = itemData(file, iloc.get(), itemId.get(),
                find(file, children, meta.get().end(), "idat"));
        if (item.isEmpty() || item.get().size() < 4) {
            return Optional.empty();
        }
        // The item starts with the offset of the TIFF header, after a usually present "Exif\0\0".
        long tiffAt = 4 + item.get().u32be(0);
        return Optional.of(item.get().slice(tiffAt, item.get().size() - tiffAt));
    }

    private static Optional<Long> exifItemId(ByteSource file, Box iinf) throws IOException {
        long p = iinf.payload();
        int version = file.exactly(p, 1)[0] & 0xFF;
        long entries = version == 0 ? file.u16be(p + 4) : file.u32be(p + 4);
        long pos = p + (version == 0 ? 6 : 8);
        for (long i = 0; i < Math.min(entries, MAX_BOXES) && pos < iinf.end(); i++) {
            Optional<Box> infe = find(file, pos, iinf.end(), "infe");
            if (infe.isEmpty()) {
                return Optional.empty();
            }
            long q = infe.get().payload();
            int v = file.exactly(q, 1)[0] & 0xFF;
            if (v >= 2) {
                long id = v == 2 ? file.u16be(q + 4) : file.u32be(q + 4);
                long typeAt = q + 4 + (v == 2 ? 2 : 4) + 2; // after item_ID and item_protection_index
                if (file.ascii(typeAt, 4).equals("Exif")) {
                    return Optional.of(id);
                }
            }
            pos = infe.get().end();
        }
        return Optional.empty();
    }

    /** Where item {@code id} lies, per iloc: in the file (construction method 0) or in idat (1). One extent. */
    private static Optional<ByteSource> itemData(ByteSource file, Box iloc, long id, Optional<Box> idat) throws IOException {
        long p = iloc.payload();
        int version = file.exactly(p, 1)[0] & 0xFF;
        int sizes = file.u16be(p + 4);
        int offsetSize = sizes >> 12 & 0xF;
        int lengthSize = sizes >> 8 & 0xF;
        int baseOffsetSize = sizes >> 4 & 0xF;
        int indexSize = version == 0 ? 0 : sizes & 0xF;
        long pos = p + 6;
        long count;
        if (version < 2) {
            count = file.u16be(pos);
            pos += 2;
        } else {
            count = file.u32be(pos);
            pos += 4;
        }
        for (long i = 0; i < Math.min(count, MAX_BOXES) && pos < iloc.end(); i++) {
            long itemId;
            if (version < 2) {
                itemId = file.u16be(pos);
                pos += 2;
            } else {
                itemId = file.u32be(pos);
                pos += 4;
            }
            int method = 0;
            if (version >= 1) {
                method = file.u16be(pos) & 0xF;
                pos += 2;
            }
            pos += 2; // data_reference_index
            long base = file.unsignedBe(pos, baseOffsetSize);
            pos += baseOffsetSize;
            int extents = file.u16be(pos);
            pos += 2;
            long firstOffset = -1;
            long firstLength = 0;
            for (int e = 0; e < extents; e++) {
                pos += indexSize;
                long offset = file.unsignedBe(pos, offsetSize);
                pos += offsetSize;
                long length = file.unsignedBe(pos, lengthSize);
                pos += lengthSize;
                if (e == 0) {
                    firstOffset = offset;
                    firstLength = length;
                }
            }
            if (itemId != id || extents == 0) {
                continue;
            }
            if (method == 0) {
                long start = base + firstOffset;
                return Optional.of(file.slice(start, firstLength == 0 ? file.size() - start : firstLength));
            }
            if (method == 1 && idat.isPresent()) {
                long start = idat.get().payload() + base + firstOffset;
                return Optional.of(file.slice(start, Math.min(firstLength, idat.get().end() - start)));
            }
            return Optional.empty();
        }
        return Optional.empty();
    }
}
