package dev.photosidecar.cli.push;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads when a photo was taken from an EXIF block (a TIFF structure: JPEG's APP1, HEIF's Exif item, PNG's
 * eXIf, WebP's EXIF, or a TIFF/DNG file itself): DateTimeOriginal, else DateTimeDigitized, with the
 * fraction from SubSecTime* and the offset from OffsetTime* (EXIF 2.31) where present. EXIF times have no
 * zone of their own, so without an offset the given zone is used: where the camera's clock was set.
 */
final class TiffExif {
    private static final int EXIF_IFD_POINTER = 0x8769;
    private static final int DATE_TIME_ORIGINAL = 0x9003;
    private static final int DATE_TIME_DIGITIZED = 0x9004;
    private static final int OFFSET_TIME_ORIGINAL = 0x9011;
    private static final int OFFSET_TIME_DIGITIZED = 0x9012;
    private static final int SUBSEC_TIME_ORIGINAL = 0x9291;
    private static final int SUBSEC_TIME_DIGITIZED = 0x9292;
    private static final int TYPE_ASCII = 2;
    private static final int MAX_ENTRIES = 1000;
    private static final Pattern DATE_TIME =
            Pattern.compile("(\\d{4})[:-](\\d{2})[:-](\\d{2})[ T](\\d{2}):(\\d{2}):(\\d{2}).*", Pattern.DOTALL);

    private final ByteSource tiff;
    private final boolean littleEndian;

    private TiffExif(ByteSource tiff, boolean littleEndian) {
        this.tiff = tiff;
        this.littleEndian = littleEndian;
    }

    /** The capture time in the TIFF block {@code tiff} (starting at its "II*\0" or "MM\0*" header). */
    static Optional<Instant> captureTime(ByteSource tiff, ZoneId zone) throws IOException {
        if (tiff.size() < 8) {
            return Optional.empty();
        }
        String order = tiff.ascii(0, 2);
        if (!order.equals("II") && !order.equals("MM")) {
            return Optional.empty();
        }
        TiffExif reader = new TiffExif(tiff, order.equals("II"));
        if (reader.u16(2) != 42) {
            return Optional.empty();
        }
        Map<Integer, String> tags = new HashMap<>();
        long ifd0 = reader.u32(4);
        Optional<Long> exifIfd = reader.readIfd(ifd0, tags);
        if (exifIfd.isPresent() && exifIfd.get() != ifd0) {
            reader.readIfd(exifIfd.get(), tags);
        }
        Optional<Instant> original = instant(tags.get(DATE_TIME_ORIGINAL), tags.get(SUBSEC_TIME_ORIGINAL),
                tags.get(OFFSET_TIME_ORIGINAL), zone);
        return original.isPresent() ? original : instant(tags.get(DATE_TIME_DIGITIZED), tags.get(SUBSEC_TIME_DIGITIZED),
                tags.get(OFFSET_TIME_DIGITIZED), zone);
    }

    /** Collects the date tags of one IFD into {@code tags}; answers the Exif IFD's offset if this IFD points to it. */
    private Optional<Long> readIfd(long offset, Map<Integer, String> tags) throws IOException {
        int count = u16(offset);
        if (count > MAX_ENTRIES) {
            return Optional.empty();
        }
        Optional<Long> exifIfd = Optional.empty();
        for (int i = 0; i < count; i++) {
            long entry = offset + 2 + 12L * i;
            int tag = u16(entry);
            int type = u16(entry + 2);
            long n = u32(entry + 4);
            if (tag == EXIF_IFD_POINTER) {
                exifIfd = Optional.of(u32(entry + 8));
            } else if (type == TYPE_ASCII && n > 0 && n < 64 && isDateTag(tag)) {
                // Values of up to 4 bytes sit in the entry itself; longer ones at the offset it holds.
                long at = n <= 4 ? entry + 8 : u32(entry + 8);
                String text = new String(tiff.exactly(at, (int) n), StandardCharsets.ISO_8859_1);
                int nul = text.indexOf('\0');
                tags.put(tag, (nul >= 0 ? text.substring(0, nul) : text).trim());
            }
        }
        return exifIfd;
    }

    private static boolean isDateTag(int tag) {
        return tag == DATE_TIME_ORIGINAL || tag == DATE_TIME_DIGITIZED || tag == OFFSET_TIME_ORIGINAL
                || tag == OFFSET_TIME_DIGITIZED || tag == SUBSEC_TIME_ORIGINAL || tag == SUBSEC_TIME_DIGITIZED;
    }

    /** "2024:05:01 10:15:30" (+ "25" → .25 s, + "+02:00"); empty for blanks and the "0000:00:00 …" placeholder. */
    static Optional<Instant> instant(String dateTime, String subSeconds, String offset, ZoneId zone) {
        if (dateTime == null) {
            return Optional.empty();
        }
        Matcher m = DATE_TIME.matcher(dateTime);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            LocalDateTime local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)));
            if (subSeconds != null && subSeconds.matches("\\d{1,9}")) {
                local = local.withNano(Integer.parseInt((subSeconds + "00000000").substring(0, 9)));
            }
            ZoneId at = zone;
            if (offset != null && offset.matches("[+-]\\d{2}:\\d{2}")) {
                at = ZoneOffset.of(offset);
            }
            return Optional.of(local.atZone(at).toInstant());
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private int u16(long position) throws IOException {
        byte[] b = tiff.exactly(position, 2);
        return littleEndian ? (b[1] & 0xFF) << 8 | b[0] & 0xFF : (b[0] & 0xFF) << 8 | b[1] & 0xFF;
    }

    private long u32(long position) throws IOException {
        return littleEndian ? tiff.u32le(position) : tiff.u32be(position);
    }
}
