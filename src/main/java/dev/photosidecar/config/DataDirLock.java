package dev.photosidecar.config;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * One server per data folder: an exclusive lock on {@code {data}/.lock} for the life of the process. The
 * lock is what lets start-up treat every leftover delivery lease as dead.
 */
public final class DataDirLock implements AutoCloseable {
    private final FileChannel channel;
    private final FileLock lock;

    private DataDirLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /** @throws ConfigException when the folder cannot be used or another sidecar holds it */
    public static DataDirLock acquire(Path dataDir) {
        try {
            Files.createDirectories(dataDir);
            Path probe = Files.createTempFile(dataDir, ".write-check", ".tmp");
            Files.delete(probe);
        } catch (FileSystemException e) {
            throw ConfigException.unusable("SIDECAR_DATA_DIR=" + dataDir + ": the data folder is not writable ("
                    + Optional.ofNullable(e.getReason()).orElse(e.getClass().getSimpleName())
                    + "); make it writable for the user running photo-sidecar (remount it read-write, fix its owner"
                    + " or permissions) or set SIDECAR_DATA_DIR to a writable folder");
        } catch (IOException e) {
            throw ConfigException.unusable("SIDECAR_DATA_DIR=" + dataDir + ": cannot use the data folder (" + e.getMessage() + ")");
        }
        try {
            FileChannel ch = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock == null) {
                ch.close();
                throw ConfigException.unusable("SIDECAR_DATA_DIR=" + dataDir
                        + ": another photo-sidecar is already serving this data folder");
            }
            return new DataDirLock(ch, lock);
        } catch (IOException e) {
            throw ConfigException.unusable("SIDECAR_DATA_DIR=" + dataDir + ": cannot lock the data folder (" + e.getMessage() + ")");
        }
    }

    @Override
    public void close() {
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the process is ending; the OS drops the lock anyway
        }
    }
}
