package dev.photosidecar.push;

import com.drew.imaging.ImageMetadataReader;
import com.drew.imaging.ImageProcessingException;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifDirectoryBase;
import com.drew.metadata.exif.ExifIFD0Directory;
import com.drew.metadata.exif.ExifSubIFDDirectory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a photo or video was taken, from its own metadata. Photos: EXIF DateTimeOriginal, else DateTimeDigitized,
 * with the fraction from SubSecTime* and the offset from OffsetTime* (EXIF 2.31), read by metadata-extractor from
 * whatever format the file really is (JPEG, HEIC/HEIF/AVIF, PNG, WebP, TIFF, DNG and camera RAW). Videos: the movie
 * header's creation time ({@link MovieHeader}). A file without one (or a damaged one) answers empty, and
 * {@code push} sends its modification time instead.
 */
public final class CaptureTime {
    private static final Pattern DATE_TIME =
            Pattern.compile("(\\d{4})[:-](\\d{2})[:-](\\d{2})[ T](\\d{2}):(\\d{2}):(\\d{2}).*", Pattern.DOTALL);
    /** {date, sub-seconds, offset} tags, in the order they are looked for. */
    private static final int[][] DATE_TAGS = {
        {ExifDirectoryBase.TAG_DATETIME_ORIGINAL, ExifDirectoryBase.TAG_SUBSECOND_TIME_ORIGINAL, ExifDirectoryBase.TAG_TIME_ZONE_ORIGINAL},
        {ExifDirectoryBase.TAG_DATETIME_DIGITIZED, ExifDirectoryBase.TAG_SUBSECOND_TIME_DIGITIZED, ExifDirectoryBase.TAG_TIME_ZONE_DIGITIZED},
    };

    private CaptureTime() {
    }

    /** @param zone where the camera's clock was, for EXIF times that carry no offset */
    public static Optional<Instant> of(Path file, MediaFormat format, ZoneId zone) {
        try {
            return format.isVideo() ? MovieHeader.creationTime(file) : inExif(ImageMetadataReader.readMetadata(file.toFile()), zone);
        } catch (ImageProcessingException | IOException | RuntimeException damaged) {
            // Metadata is a nicety: an unreadable or odd file still goes up, with its modification time.
            return Optional.empty();
        }
    }

    private static Optional<Instant> inExif(Metadata metadata, ZoneId zone) {
        // The Exif IFD is where cameras put these tags; a few writers put them in IFD0.
        List<ExifDirectoryBase> directories = new ArrayList<>(metadata.getDirectoriesOfType(ExifSubIFDDirectory.class));
        directories.addAll(metadata.getDirectoriesOfType(ExifIFD0Directory.class));
        for (int[] tags : DATE_TAGS) {
            for (ExifDirectoryBase d : directories) {
                Optional<Instant> t = instant(d.getString(tags[0]), d.getString(tags[1]), d.getString(tags[2]), zone);
                if (t.isPresent()) {
                    return t;
                }
            }
        }
        return Optional.empty();
    }

    /** "2024:05:01 10:15:30" (+ "25" → .25 s, + "+02:00"); empty for blanks and the "0000:00:00 …" placeholder. */
    static Optional<Instant> instant(String dateTime, String subSeconds, String offset, ZoneId zone) {
        if (dateTime == null) {
            return Optional.empty();
        }
        Matcher m = DATE_TIME.matcher(dateTime.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            LocalDateTime local = LocalDateTime.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    Integer.parseInt(m.group(3)), Integer.parseInt(m.group(4)), Integer.parseInt(m.group(5)),
                    Integer.parseInt(m.group(6)));
            String fraction = subSeconds == null ? "" : subSeconds.trim();
            if (fraction.matches("\\d{1,9}")) {
                local = local.withNano(Integer.parseInt((fraction + "00000000").substring(0, 9)));
            }
            String at = offset == null ? "" : offset.trim();
            return Optional.of(local.atZone(at.matches("[+-]\\d{2}:\\d{2}") ? ZoneOffset.of(at) : zone).toInstant());
        } catch (DateTimeException | NumberFormatException e) {
            return Optional.empty();
        }
    }
}
