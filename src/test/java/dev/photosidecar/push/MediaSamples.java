package dev.photosidecar.push;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;

/**
 * Small, real media files with a known capture time, made here rather than shipped: a JPEG (encoded by the
 * JDK) with an EXIF APP1 segment, a PNG with an eXIf chunk, a HEIF file with an Exif item, a QuickTime movie
 * header, a WebP EXIF chunk. The EXIF block is a TIFF structure with an Exif IFD holding DateTimeOriginal,
 * and optionally OffsetTimeOriginal and SubSecTimeOriginal.
 */
public final class MediaSamples {
    private static final DateTimeFormatter EXIF_TIME = DateTimeFormatter.ofPattern("yyyy:MM:dd HH:mm:ss");

    private MediaSamples() {
    }

    /** DateTimeOriginal and its OffsetTime/SubSecTime tags; the Digitized ones are 0x9004, 0x9012, 0x9292. */
    public static final int DATE_TIME_ORIGINAL = 0x9003;
    public static final int DATE_TIME_DIGITIZED = 0x9004;

    /** A TIFF block: IFD0 pointing to an Exif IFD with the date tags (ASCII, NUL-terminated). */
    public static byte[] exifTiff(LocalDateTime taken, String offset, String subSeconds, boolean littleEndian) {
        return exifTiff(DATE_TIME_ORIGINAL, taken, offset, subSeconds, littleEndian);
    }

    /**
     * The same with the date under {@code dateTag} (Original or Digitized) and its own offset and sub-second tags
     * ({@code dateTag} + 0x0E and + 0x028E), as EXIF 2.31 pairs them.
     */
    public static byte[] exifTiff(int dateTag, LocalDateTime taken, String offset, String subSeconds, boolean littleEndian) {
        List<Object[]> tags = new ArrayList<>(); // {tag, value}, in ascending tag order as TIFF wants
        tags.add(new Object[] {dateTag, taken.format(EXIF_TIME)});
        if (offset != null) {
            tags.add(new Object[] {dateTag + 0x0E, offset});
        }
        if (subSeconds != null) {
            tags.add(new Object[] {dateTag + 0x028E, subSeconds});
        }
        int exifIfd = 8 + 2 + 12 + 4;
        int dataStart = exifIfd + 2 + 12 * tags.size() + 4;
        ByteBuffer b = ByteBuffer.allocate(dataStart + 100).order(littleEndian ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN);
        b.put((littleEndian ? "II" : "MM").getBytes(StandardCharsets.US_ASCII)).putShort((short) 42).putInt(8);
        b.putShort((short) 1).putShort((short) 0x8769).putShort((short) 4).putInt(1).putInt(exifIfd).putInt(0);
        b.putShort((short) tags.size());
        int data = dataStart;
        List<byte[]> outOfLine = new ArrayList<>();
        for (Object[] t : tags) {
            byte[] ascii = (t[1] + "\0").getBytes(StandardCharsets.US_ASCII);
            b.putShort((short) (int) (Integer) t[0]).putShort((short) 2).putInt(ascii.length);
            if (ascii.length <= 4) {
                b.put(ascii).put(new byte[4 - ascii.length]);
            } else {
                b.putInt(data);
                data += ascii.length;
                outOfLine.add(ascii);
            }
        }
        b.putInt(0);
        outOfLine.forEach(b::put);
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /** A real JPEG of random pixels ({@code side}² pixels, a few KB) with the EXIF segment right after SOI. */
    public static byte[] jpeg(byte[] exifTiff, int side, long seed) {
        byte[] plain = plainJpeg(side, seed);
        if (exifTiff == null) {
            return plain;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, 2);
        int length = 2 + 6 + exifTiff.length;
        out.write(0xFF);
        out.write(0xE1);
        out.write(length >> 8);
        out.write(length & 0xFF);
        out.writeBytes("Exif\0\0".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(exifTiff);
        out.write(plain, 2, plain.length - 2);
        return out.toByteArray();
    }

    public static byte[] plainJpeg(int side, long seed) {
        return encode("jpg", side, seed);
    }

    /** A real PNG with an eXIf chunk after IHDR. */
    public static byte[] png(byte[] exifTiff, long seed) {
        byte[] plain = encode("png", 8, seed);
        int afterIhdr = 8 + 8 + 13 + 4;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(plain, 0, afterIhdr);
        out.writeBytes(chunk("eXIf", exifTiff));
        out.write(plain, afterIhdr, plain.length - afterIhdr);
        return out.toByteArray();
    }

    private static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt(data.length).put(t).put(data).putInt((int) crc.getValue());
        return b.array();
    }

    private static byte[] encode(String format, int side, long seed) {
        Random random = new Random(seed);
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                img.setRGB(x, y, random.nextInt(0x1000000));
            }
        }
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            if (!ImageIO.write(img, format, out)) {
                throw new IllegalStateException("no ImageIO writer for " + format);
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A HEIF file reduced to what locates its metadata: ftyp, meta (hdlr, iinf with one 'Exif' item, iloc
     * with one extent) and mdat holding the item ("Exif\0\0" offset, then the TIFF block).
     */
    public static byte[] heif(byte[] exifTiff) {
        return heif(exifTiff, "heic");
    }

    /** The same with another major brand, e.g. "avif" for an AVIF file. */
    public static byte[] heif(byte[] exifTiff, String brand) {
        byte[] ftyp = box("ftyp", concat(brand.getBytes(StandardCharsets.US_ASCII), new byte[4],
                ("mif1" + brand).getBytes(StandardCharsets.US_ASCII)));
        byte[] hdlr = fullBox("hdlr", 0, concat(new byte[4], "pict".getBytes(StandardCharsets.US_ASCII), new byte[12],
                new byte[1]));
        byte[] infe = fullBox("infe", 2, concat(u16(1), u16(0), "Exif".getBytes(StandardCharsets.US_ASCII), new byte[1]));
        byte[] iinf = fullBox("iinf", 0, concat(u16(1), infe));
        byte[] item = concat(u32(6), "Exif\0\0".getBytes(StandardCharsets.US_ASCII), exifTiff);
        // iloc's size does not depend on the offset it holds, so lay everything out with a placeholder first.
        int ilocSize = iloc(0, item.length).length;
        int metaSize = 12 + hdlr.length + iinf.length + ilocSize;
        int itemOffset = ftyp.length + metaSize + 8;
        byte[] meta = fullBox("meta", 0, concat(hdlr, iinf, iloc(itemOffset, item.length)));
        return concat(ftyp, meta, box("mdat", item));
    }

    private static byte[] iloc(int offset, int length) {
        // version 0: offset_size 4, length_size 4, base_offset_size 0; one item with one extent
        return fullBox("iloc", 0, concat(u16(0x4400), u16(1), u16(1), u16(0), u16(1), u32(offset), u32(length)));
    }

    /** A QuickTime/MP4 file: ftyp, a moov with an mvhd (version 0 or 1) saying when it was made, and some media data. */
    public static byte[] movie(Instant created, int version, int mediaBytes) {
        long seconds = created.getEpochSecond() + 2_082_844_800L;
        byte[] times = version == 1 ? concat(u64(seconds), u64(seconds), u32(600), u64(0)) : concat(u32((int) seconds),
                u32((int) seconds), u32(600), u32(0));
        byte[] mvhd = fullBox("mvhd", version, concat(times, new byte[80]));
        byte[] ftyp = box("ftyp", concat("qt  ".getBytes(StandardCharsets.US_ASCII), new byte[4],
                "qt  ".getBytes(StandardCharsets.US_ASCII)));
        // mdat first, as many cameras write it: the reader has to skip it.
        return concat(ftyp, box("mdat", new byte[mediaBytes]), box("moov", mvhd));
    }

    /** A WebP container with an EXIF chunk (in the "Exif\0\0"-prefixed form some writers use). */
    public static byte[] webp(byte[] exifTiff) {
        byte[] exif = concat("Exif\0\0".getBytes(StandardCharsets.US_ASCII), exifTiff);
        byte[] pad = exif.length % 2 == 1 ? new byte[1] : new byte[0];
        byte[] chunks = concat("EXIF".getBytes(StandardCharsets.US_ASCII), u32le(exif.length), exif, pad);
        return concat("RIFF".getBytes(StandardCharsets.US_ASCII), u32le(4 + chunks.length),
                "WEBP".getBytes(StandardCharsets.US_ASCII), chunks);
    }

    private static byte[] box(String type, byte[] payload) {
        return concat(u32(8 + payload.length), type.getBytes(StandardCharsets.US_ASCII), payload);
    }

    private static byte[] fullBox(String type, int version, byte[] payload) {
        return box(type, concat(new byte[] {(byte) version, 0, 0, 0}, payload));
    }

    private static byte[] u16(int v) {
        return new byte[] {(byte) (v >> 8), (byte) v};
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    private static byte[] u32le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static byte[] u64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
