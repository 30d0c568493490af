package dev.photosidecar.spool;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's own folder for bodies being received: {@code incoming/{name}/}, with {@code live/{name}.lock} beside
 * the spool's folders, locked for as long as the process lives. Several replicas write into one spool, and a body in
 * {@code incoming/} is removed by a start-up only when its writer is provably gone: a lock file another process can
 * lock belongs to a dead process (the OS lets go of a dead process's locks; NFSv4 when its lease ends), so its folder
 * is left over. Time or process ids would not prove that across machines; the lock does.
 *
 * <p>Order, so that no sweep can mistake a live folder for a dead one: the lock file is created and locked before its
 * folder is made, and a sweep removes the folder before the lock file. A lock file whose lock a sweep took was
 * unlinked by it; the process that made it checks, after locking, that its file is still there.
 */
final class IncomingFolder implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(IncomingFolder.class);
    private static final String LOCK = ".lock";
    /**
     * Lock files this JVM holds: a sweep never opens them, since closing a channel drops every POSIX lock the process
     * holds on that file, also those taken through another channel (a second sidecar in one JVM, as tests run).
     */
    private static final Set<Path> HELD_HERE = ConcurrentHashMap.newKeySet();

    private final Path dir;
    private final Path lockFile;
    private final FileChannel channel;
    private final FileLock lock;

    private IncomingFolder(Path dir, Path lockFile, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.lockFile = lockFile;
        this.channel = channel;
        this.lock = lock;
    }

    /** Makes and locks a new folder of this process's own in {@code incoming/}. */
    static IncomingFolder claim(Path incoming, Path live) throws IOException {
        Files.createDirectories(incoming);
        Files.createDirectories(live);
        for (int attempt = 0; ; attempt++) {
            String name = UUID.randomUUID().toString();
            Path lockFile = live.resolve(name + LOCK);
            FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            FileLock lock = ch.tryLock();
            if (lock != null && Files.exists(lockFile)) {
                HELD_HERE.add(lockFile);
                Path dir = Files.createDirectory(incoming.resolve(name));
                return new IncomingFolder(dir, lockFile, ch, lock);
            }
            // A sweep locked it first (between create and lock), took it for dead and removed it: try another name.
            ch.close();
            if (attempt > 3) {
                throw new IOException("cannot lock a folder of its own in " + incoming);
            }
        }
    }

    Path dir() {
        return dir;
    }

    /**
     * Start-up: removes the folders of processes that are gone, each with its lock file; returns how many bodies went.
     * With {@code alone} (no other sidecar holds the spool), also whatever else {@code incoming/} holds: bodies of an
     * older version, which wrote there directly, and folders whose lock file is missing.
     */
    int removeLeftovers(Path incoming, Path live, boolean alone) throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> locks = Files.newDirectoryStream(live, "*" + LOCK)) {
            for (Path other : locks) {
                if (!other.equals(lockFile) && !HELD_HERE.contains(other)) {
                    removed += removeIfDead(incoming, other);
                }
            }
        }
        if (alone) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(incoming)) {
                for (Path p : entries) {
                    if (!p.equals(dir) && !Files.exists(live.resolve(p.getFileName() + LOCK))) {
                        removed += deleteTree(p);
                    }
                }
            }
        }
        return removed;
    }

    private static int removeIfDead(Path incoming, Path otherLock) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(otherLock, StandardOpenOption.WRITE);
        } catch (NoSuchFileException gone) {
            return 0; // another sweep removed it
        }
        try (ch) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException heldInThisJvm) {
                return 0;
            }
            if (lock == null) {
                return 0; // its process is alive
            }
            String name = otherLock.getFileName().toString();
            int removed = deleteTree(incoming.resolve(name.substring(0, name.length() - LOCK.length())));
            Files.deleteIfExists(otherLock);
            lock.release();
            return removed;
        }
    }

    /** Deletes a folder (or a file) and what it holds; returns how many files went. */
    private static int deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return 0;
        }
        int[] files = {0};
        try (Stream<Path> all = Files.walk(p)) {
            for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(q)) {
                    files[0]++;
                }
                Files.deleteIfExists(q);
            }
        }
        return files[0];
    }

    /** A clean stop: nothing in the folder was answered, so it goes, and then the lock. */
    @Override
    public void close() {
        try {
            deleteTree(dir);
            Files.deleteIfExists(lockFile);
        } catch (IOException e) {
            log.warn("Could not remove {} at stop ({}); the next start-up on this spool removes it", dir, e.getMessage());
        }
        HELD_HERE.remove(lockFile);
        try {
            lock.release();
            channel.close();
        } catch (IOException ignored) {
            // the OS drops the lock with the process
        }
    }
}
