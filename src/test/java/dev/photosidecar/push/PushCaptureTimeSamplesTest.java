package dev.photosidecar.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.push.CaptureTime;
import dev.photosidecar.push.MediaFormat;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1,003 generated media files, each read back by push's capture-time reader and compared with the time it was
 * written with. The expected times come from the generator's own inputs, computed here, so the comparison does
 * not depend on any metadata parser (neither push's nor a reference library): formats, byte orders, the Original or
 * only the Digitized tag, offsets, sub-seconds and the camera's zone vary from file to file.
 */
@UnitTest
class PushCaptureTimeSamplesTest {
    private static final int SAMPLES = 1003;
    private static final String[] PHOTO_EXTENSIONS = {"jpg", "jpeg", "png", "webp", "heic", "heif", "avif", "tif", "tiff", "dng"};
    private static final String[] MOVIE_EXTENSIONS = {"mov", "mp4", "m4v"};
    private static final ZoneId[] CAMERA_ZONES = {ZoneOffset.UTC, ZoneId.of("Europe/Berlin"), ZoneId.of("America/New_York"),
        ZoneId.of("Asia/Kolkata"), ZoneId.of("Australia/Lord_Howe"), ZoneId.of("Pacific/Chatham")};

    @TempDir
    Path dir;

    /** One generated file and what it must read as. */
    private record Sample(String name, byte[] content, ZoneId cameraZone, Instant expected, String described) {
    }

    @Test
    void everyGeneratedSampleReadsAsTheTimeItWasWrittenWith() throws Exception {
        Random random = new Random(20_261_204L);
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < SAMPLES; i++) {
            samples.add(i % 5 == 4 ? movie(i, random) : photo(i, random));
        }
        List<String> wrong = new ArrayList<>();
        for (Sample s : samples) {
            Path f = dir.resolve(s.name());
            Files.write(f, s.content());
            Optional<Instant> read = CaptureTime.of(f, MediaFormat.forFileName(s.name()).orElseThrow(), s.cameraZone());
            if (!read.equals(Optional.of(s.expected()))) {
                wrong.add(s.name() + " (" + s.described() + "): read " + read + ", written " + s.expected());
            }
        }
        assertThat(samples).hasSize(SAMPLES);
        assertThat(samples.stream().map(s -> s.name().substring(s.name().indexOf('.') + 1)).distinct())
                .as("every format is among the samples").hasSize(PHOTO_EXTENSIONS.length + MOVIE_EXTENSIONS.length);
        assertThat(wrong).as("samples read wrong").isEmpty();
    }

    private static Sample photo(int i, Random random) {
        String ext = PHOTO_EXTENSIONS[random.nextInt(PHOTO_EXTENSIONS.length)];
        LocalDateTime taken = LocalDateTime.of(1980 + random.nextInt(56), 1 + random.nextInt(12), 1 + random.nextInt(28),
                random.nextInt(24), random.nextInt(60), random.nextInt(60));
        String offset = null;
        if (random.nextBoolean()) {
            int quarters = random.nextInt(14 * 4 * 2 + 1) - 14 * 4; // -14:00 to +14:00
            offset = (quarters < 0 ? "-" : "+") + String.format("%02d:%02d", Math.abs(quarters) / 4, Math.abs(quarters) % 4 * 15);
        }
        String subSeconds = random.nextInt(3) == 0 ? null : String.format("%03d", random.nextInt(1000)).substring(0, 1 + random.nextInt(3));
        boolean littleEndian = random.nextBoolean();
        boolean digitizedOnly = random.nextInt(6) == 0;
        ZoneId zone = CAMERA_ZONES[random.nextInt(CAMERA_ZONES.length)];
        byte[] tiff = MediaSamples.exifTiff(digitizedOnly ? MediaSamples.DATE_TIME_DIGITIZED : MediaSamples.DATE_TIME_ORIGINAL,
                taken, offset, subSeconds, littleEndian);
        byte[] content = switch (ext) {
            case "jpg", "jpeg" -> MediaSamples.jpeg(tiff, 8 + random.nextInt(24), i);
            case "png" -> MediaSamples.png(tiff, i);
            case "webp" -> MediaSamples.webp(tiff);
            case "heic", "heif" -> MediaSamples.heif(tiff);
            case "avif" -> MediaSamples.heif(tiff, "avif");
            default -> tiff;
        };
        LocalDateTime exact = subSeconds == null ? taken : taken.withNano(Integer.parseInt((subSeconds + "00000000").substring(0, 9)));
        Instant expected = exact.atZone(offset == null ? zone : ZoneOffset.of(offset)).toInstant();
        String described = (digitizedOnly ? "Digitized " : "Original ") + taken + (offset == null ? " in " + zone : offset)
                + (subSeconds == null ? "" : " ." + subSeconds) + (littleEndian ? " II" : " MM");
        return new Sample(String.format("s%04d.%s", i, ext), content, zone, expected, described);
    }

    private static Sample movie(int i, Random random) {
        String ext = MOVIE_EXTENSIONS[random.nextInt(MOVIE_EXTENSIONS.length)];
        int version = random.nextInt(2);
        // Version 0 holds 32-bit seconds since 1904, which end in 2040.
        long latest = version == 0 ? Instant.parse("2040-01-01T00:00:00Z").getEpochSecond() : Instant.parse("2100-01-01T00:00:00Z").getEpochSecond();
        long earliest = Instant.parse("1971-01-01T00:00:00Z").getEpochSecond();
        Instant made = Instant.ofEpochSecond(earliest + (long) (random.nextDouble() * (latest - earliest)));
        byte[] content = MediaSamples.movie(made, version, random.nextInt(100_000));
        return new Sample(String.format("s%04d.%s", i, ext), content, ZoneOffset.UTC, made, "mvhd v" + version);
    }
}
