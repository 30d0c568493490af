package dev.photosidecar.cli.doctor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.UUID;

/**
 * Whether the sidecar can write in a folder, found out by writing: a small file is created, synced and
 * deleted. Permission bits do not tell (root ignores them; a read-only mount, a full disk or an immutable
 * folder refuse root too), so asking the file system is the only honest test.
 */
final class FolderProbe {
    private FolderProbe() {
    }

    /** Empty when a file could be written in {@code folder}; otherwise why not ("Read-only file system"). */
    static Optional<String> writeProblem(Path folder) {
        Path probe = folder.resolve(".doctor-" + UUID.randomUUID() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(probe, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {1}));
                ch.force(true);
            }
            return Optional.empty();
        } catch (IOException e) {
            return Optional.of(reason(e));
        } finally {
            try {
                Files.deleteIfExists(probe);
            } catch (IOException ignored) {
                // nothing was written, or it cannot be removed: either way there is nothing more to do
            }
        }
    }

    /** The nearest folder or file that exists at or above {@code path}. */
    static Path nearestExisting(Path path) {
        Path p = path.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        return p == null ? path.getRoot() : p;
    }

    /** "Read-only file system", "Permission denied", … without Java's exception class and path noise. */
    static String reason(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason();
        }
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }
}
