package dev.photosidecar.cli.push;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Optional;

/**
 * When a photo or video was taken, from its own metadata, without a library: EXIF DateTimeOriginal in JPEG,
 * TIFF, DNG, HEIC/HEIF/AVIF, PNG and WebP files, and the movie header's creation time in MOV/MP4/M4V.
 * A file without it (or a damaged one) answers empty, and {@code push} sends its modification time instead.
 */
public final class CaptureTime {
    private CaptureTime() {
    }

    /** @param zone where the camera's clock was, for EXIF times that carry no offset */
    public static Optional<Instant> of(Path file, MediaFormat format, ZoneId zone) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return of(ByteSource.of(ch), format, zone);
        } catch (IOException | RuntimeException damaged) {
            // Metadata is a nicety: an unreadable or odd file still goes up, with its modification time.
            return Optional.empty();
        }
    }

    static Optional<Instant> of(ByteSource file, MediaFormat format, ZoneId zone) throws IOException {
        return switch (format.extension()) {
            case "jpg", "jpeg" -> inExif(JpegSegments.exif(file), zone);
            case "tif", "tiff", "dng" -> TiffExif.captureTime(file, zone);
            case "heic", "heif", "avif" -> inExif(IsoMediaBoxes.heifExif(file), zone);
            case "png" -> inExif(PngChunks.exif(file), zone);
            case "webp" -> inExif(WebpChunks.exif(file), zone);
            case "mov", "mp4", "m4v" -> IsoMediaBoxes.movieCreationTime(file);
            default -> Optional.empty();
        };
    }

    private static Optional<Instant> inExif(Optional<ByteSource> tiff, ZoneId zone) throws IOException {
        return tiff.isPresent() ? TiffExif.captureTime(tiff.get(), zone) : Optional.empty();
    }
}
