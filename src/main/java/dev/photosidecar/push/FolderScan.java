package dev.photosidecar.push;

import java.io.IOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;

/**
 * Finds the photos and videos under a folder, recursively. Hidden files and folders (names starting with
 * '.') are left out: they are thumbnails, sync state and trash ({@code .thumbnails}, {@code .Trash-1000},
 * {@code ._IMG_0001.JPG} from macOS), not photos. Symbolic links are followed; loops are reported.
 *
 * @param files what to push, sorted by relative path so every run goes in the same order
 * @param skipped files or folders that could not be read, each with the reason
 */
public record FolderScan(Path root, List<MediaFile> files, List<String> skipped) {

    public static FolderScan of(Path folder) throws IOException {
        Path root = folder.toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
            throw new IOException(root + " is not a folder");
        }
        List<MediaFile> files = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Files.walkFileTree(root, EnumSet.of(FileVisitOption.FOLLOW_LINKS), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                return !dir.equals(root) && hidden(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (!attrs.isRegularFile() || hidden(file)) {
                    return FileVisitResult.CONTINUE;
                }
                MediaFormat.forFileName(file.getFileName().toString()).ifPresent(format -> files.add(new MediaFile(file,
                        relative(root, file), attrs.size(), attrs.lastModifiedTime().toInstant(), format)));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) {
                if (!hidden(file)) {
                    skipped.add(relative(root, file) + ": " + (e instanceof FileSystemLoopException
                            ? "a symbolic link loop" : "cannot read it (" + e.getClass().getSimpleName() + ")"));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        files.sort(Comparator.comparing(MediaFile::relativePath));
        return new FolderScan(root, List.copyOf(files), List.copyOf(skipped));
    }

    public long totalBytes() {
        return files.stream().mapToLong(MediaFile::size).sum();
    }

    private static boolean hidden(Path p) {
        Path name = p.getFileName();
        return name != null && name.toString().startsWith(".");
    }

    /** '/'-separated and NFC, whatever the platform and file system: the key depends on it. */
    static String relative(Path root, Path file) {
        List<String> names = new ArrayList<>();
        for (Path part : root.relativize(file)) {
            names.add(Normalizer.normalize(part.toString(), Normalizer.Form.NFC));
        }
        return String.join("/", names);
    }
}
