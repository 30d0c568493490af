package dev.photosidecar.push;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.push.FolderScan;
import dev.photosidecar.push.MediaFile;
import dev.photosidecar.push.UploadKeys;
import dev.photosidecar.support.UnitTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which files push finds, and the keys it gives them. */
@UnitTest
class PushKeysTest {
    @TempDir
    Path dir;

    private static final Instant T = Instant.parse("2024-05-01T10:15:30Z");

    private Path file(String relative, int size, Instant modified) throws IOException {
        Path f = dir.resolve(relative);
        Files.createDirectories(f.getParent());
        Files.write(f, new byte[size]);
        Files.setLastModifiedTime(f, FileTime.from(modified));
        return f;
    }

    @Test
    void theKeyIs43UrlSafeCharactersAndFollowsPathSizeAndSecond() {
        String key = UploadKeys.keyFor("2024/IMG_0001.HEIC", 1000, T);
        assertThat(key).hasSize(43).matches("[A-Za-z0-9_-]+");
        assertThat(UploadKeys.keyFor("2024/IMG_0001.HEIC", 1000, T.plusMillis(999))).as("same second").isEqualTo(key);
        assertThat(UploadKeys.keyFor("2024/IMG_0001.HEIC", 1001, T)).isNotEqualTo(key);
        assertThat(UploadKeys.keyFor("2024/IMG_0001.HEIC", 1000, T.plusSeconds(1))).isNotEqualTo(key);
        assertThat(UploadKeys.keyFor("2023/IMG_0001.HEIC", 1000, T)).isNotEqualTo(key);
    }

    @Test
    void findsPhotosAndVideosRecursivelyAndSkipsHiddenAndOtherFiles() throws IOException {
        file("a/IMG_1.JPG", 10, T);
        file("a/b/clip.mov", 10, T);
        file("c.HEIC", 10, T);
        file("notes.txt", 10, T);
        file("noext", 10, T);
        file(".hidden.jpg", 10, T);
        file("a/._IMG_1.JPG", 10, T);
        file(".thumbnails/t.jpg", 10, T);
        file("a/.Trash-1000/gone.jpg", 10, T);
        FolderScan scan = FolderScan.of(dir);
        assertThat(scan.files()).extracting(MediaFile::relativePath).containsExactly("a/IMG_1.JPG", "a/b/clip.mov", "c.HEIC");
        assertThat(scan.files().get(1).format().resourceType()).isEqualTo("video");
        assertThat(scan.files().get(2).format().contentType()).isEqualTo("image/heic");
    }

    @Test
    void keysDoNotDependOnWhereTheFolderIsButOnTheFileBelowIt() throws IOException {
        file("photos/2024/IMG_2.jpg", 123, T);
        file("elsewhere/mount/photos/2024/IMG_2.jpg", 123, T);
        String here = FolderScan.of(dir.resolve("photos")).files().get(0).key();
        String there = FolderScan.of(dir.resolve("elsewhere/mount/photos")).files().get(0).key();
        assertThat(here).isEqualTo(there);
        assertThat(FolderScan.of(dir).files()).extracting(MediaFile::key).as("pushed from a folder higher up: other paths")
                .doesNotContain(here);
    }

    @Test
    void decomposedNamesGiveTheSameKeyAsComposedOnes() throws IOException {
        file("nfd/Cafe\u0301.jpg", 5, T);
        file("nfc/Caf\u00e9.jpg", 5, T);
        List<MediaFile> nfd = FolderScan.of(dir.resolve("nfd")).files();
        List<MediaFile> nfc = FolderScan.of(dir.resolve("nfc")).files();
        assertThat(nfd.get(0).relativePath()).isEqualTo("Caf\u00e9.jpg");
        assertThat(nfd.get(0).key()).isEqualTo(nfc.get(0).key());
    }
}
