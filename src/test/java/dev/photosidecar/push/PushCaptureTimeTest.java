package dev.photosidecar.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.push.CaptureTime;
import dev.photosidecar.push.MediaFormat;
import dev.photosidecar.support.UnitTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The capture time push sends, read from each format's own metadata (photos through metadata-extractor). */
@UnitTest
class PushCaptureTimeTest {
    private static final LocalDateTime TAKEN = LocalDateTime.of(2021, 7, 4, 18, 30, 15);
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @TempDir
    Path dir;

    private Optional<Instant> read(String name, byte[] content, ZoneId zone) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, content);
        return CaptureTime.of(f, MediaFormat.forFileName(name).orElseThrow(), zone);
    }

    @Test
    void jpegExifWithAnOffsetIsThatInstant() throws IOException {
        byte[] jpeg = MediaSamples.jpeg(MediaSamples.exifTiff(TAKEN, "+02:00", null, false), 16, 1);
        assertThat(read("a.jpg", jpeg, ZoneOffset.UTC)).contains(Instant.parse("2021-07-04T16:30:15Z"));
    }

    @Test
    void jpegExifWithoutAnOffsetIsInTheCamerasZoneWithSubSeconds() throws IOException {
        byte[] jpeg = MediaSamples.jpeg(MediaSamples.exifTiff(TAKEN, null, "25", true), 16, 2);
        assertThat(read("b.JPEG", jpeg, BERLIN)).contains(Instant.parse("2021-07-04T16:30:15.250Z"));
        assertThat(read("c.jpg", jpeg, ZoneOffset.UTC)).contains(Instant.parse("2021-07-04T18:30:15.250Z"));
    }

    @Test
    void heifPngWebpAndTiffCarryExifToo() throws IOException {
        byte[] tiff = MediaSamples.exifTiff(TAKEN, "-05:00", null, true);
        Instant expected = Instant.parse("2021-07-04T23:30:15Z");
        assertThat(read("d.heic", MediaSamples.heif(tiff), BERLIN)).contains(expected);
        assertThat(read("d.avif", MediaSamples.heif(tiff), BERLIN)).contains(expected);
        assertThat(read("e.png", MediaSamples.png(tiff, 3), BERLIN)).contains(expected);
        assertThat(read("f.webp", MediaSamples.webp(tiff), BERLIN)).contains(expected);
        assertThat(read("g.tif", tiff, BERLIN)).contains(expected);
        assertThat(read("h.dng", MediaSamples.exifTiff(TAKEN, null, null, false), ZoneOffset.UTC))
                .contains(Instant.parse("2021-07-04T18:30:15Z"));
    }

    @Test
    void aPhotoIsReadAsWhatItIsNotByItsExtension() throws IOException {
        // Exports and renames leave HEIC files named .jpg (and JPEGs named .heic).
        byte[] tiff = MediaSamples.exifTiff(TAKEN, "+02:00", null, false);
        assertThat(read("renamed.jpg", MediaSamples.heif(tiff), BERLIN)).contains(Instant.parse("2021-07-04T16:30:15Z"));
        assertThat(read("renamed.heic", MediaSamples.jpeg(tiff, 16, 9), BERLIN)).contains(Instant.parse("2021-07-04T16:30:15Z"));
    }

    @Test
    void moviesCarryTheirCreationTimeAfterTheMediaData() throws IOException {
        Instant made = Instant.parse("2019-12-31T23:59:58Z");
        assertThat(read("v.mov", MediaSamples.movie(made, 0, 50_000), BERLIN)).contains(made);
        assertThat(read("v.mp4", MediaSamples.movie(made, 1, 10), BERLIN)).contains(made);
        assertThat(read("v.m4v", MediaSamples.movie(Instant.parse("1904-01-01T00:00:00Z"), 0, 10), BERLIN))
                .as("an unset (zero) time").isEmpty();
    }

    @Test
    void aVideoOver2GiBWithItsMediaDataBeforeTheMovieHeaderKeepsItsCaptureTime() throws IOException {
        // iPhones and cameras write mdat before moov; metadata-extractor 2.21.0 stops at any box over 2 GiB.
        Instant made = Instant.parse("2024-08-15T06:30:00Z");
        byte[] small = MediaSamples.movie(made, 0, 0);
        byte[] ftyp = java.util.Arrays.copyOfRange(small, 0, 20);
        byte[] moov = java.util.Arrays.copyOfRange(small, 28, small.length); // after the empty mdat's 8-byte header
        long media = 3L << 30;
        Path f = dir.resolve("IMG_0001.MOV");
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.SPARSE)) {
            ch.write(java.nio.ByteBuffer.wrap(ftyp));
            ch.write(java.nio.ByteBuffer.allocate(16).putInt(1).put("mdat".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                    .putLong(16 + media).flip());
            ch.position(ch.position() + media); // a hole: the test needs no 3 GiB of disk
            ch.write(java.nio.ByteBuffer.wrap(moov));
        }
        assertThat(CaptureTime.of(f, MediaFormat.forFileName("IMG_0001.MOV").orElseThrow(), BERLIN)).contains(made);
    }

    @Test
    void filesWithoutMetadataOrDamagedOnesGiveNothing() throws IOException {
        byte[] noise = new byte[20_000];
        new Random(7).nextBytes(noise);
        assertThat(read("plain.jpg", MediaSamples.plainJpeg(16, 4), BERLIN)).isEmpty();
        for (String name : new String[] {"n.jpg", "n.heic", "n.png", "n.mov", "n.tiff", "n.webp", "n.gif"}) {
            assertThat(read(name, noise, BERLIN)).as(name).isEmpty();
        }
        byte[] jpeg = MediaSamples.jpeg(MediaSamples.exifTiff(TAKEN, null, null, false), 16, 5);
        byte[] cut = java.util.Arrays.copyOf(jpeg, 40);
        assertThat(read("cut.jpg", cut, BERLIN)).as("cut off inside the EXIF block").isEmpty();
        assertThat(read("empty.heic", new byte[0], BERLIN)).isEmpty();
        byte[] placeholder = MediaSamples.jpeg(MediaSamples.exifTiff(LocalDateTime.of(2000, 1, 1, 0, 0), null, null, false), 16, 6);
        String zeroed = new String(placeholder, java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace("2000:01:01 00:00:00", "0000:00:00 00:00:00");
        assertThat(read("zero.jpg", zeroed.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), BERLIN))
                .as("the all-zero placeholder some cameras write").isEmpty();
    }
}
