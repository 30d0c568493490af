package dev.photosidecar.delivery.target.local;

import dev.photosidecar.delivery.Delivered;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.DeliveryRequest;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.disk.Durable;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.names.FileNames;
import dev.photosidecar.spool.Sha256;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Delivers into a folder on this machine: {@code {library}/{user}/{template path}}. The embedded default
 * target, and the model for the remote ones.
 *
 * <p>Each file is written to a hidden temporary name beside its destination, fsynced, then linked to its
 * final name with a hard link, which fails atomically when the name is taken, so a different file is never
 * overwritten, even by two workers at once. A taken name holding the very same bytes counts as delivered
 * (a redelivery after a crash, or the same photo sent again); any other taken name moves on to
 * "name (1).ext", "name (2).ext", …
 */
public final class LocalFolderTarget implements DeliveryTarget {
    private static final int MAX_COPIES = 10_000;

    private final Path library;

    public LocalFolderTarget(Path library) {
        this.library = library.toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.library);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the library folder " + library + ": " + e.getMessage(), e);
        }
    }

    public Path library() {
        return library;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public Delivered deliver(DeliveryRequest request) throws DeliveryFailure {
        Job job = request.job();
        Path userRoot = library.resolve(FileNames.safeSegment(job.userId()));
        Path destination = userRoot;
        for (String segment : request.relativePath()) {
            destination = destination.resolve(segment);
        }
        destination = destination.normalize();
        if (!destination.startsWith(userRoot) || destination.equals(userRoot)) {
            throw new DeliveryFailure(FailureKind.PERMANENT, FailureCode.PATH_OUTSIDE_ROOT,
                    "the path template leads outside the user's folder");
        }
        Path folder = destination.getParent();
        Path temp = folder.resolve(FileNames.temporaryName(job.id()));
        try {
            createFoldersDurably(folder);
            copyVerified(request.spoolFile(), temp, job);
            Landed landed = link(temp, destination, job, request.firstCopyNumber());
            Durable.fsyncDirectory(folder);
            verify(landed.path(), job);
            String remote = userRoot.relativize(landed.path()).toString().replace('\\', '/');
            return new Delivered(remote, Optional.empty(), landed.alreadyThere());
        } catch (NoSuchFileException e) {
            if (e.getFile() != null && e.getFile().equals(request.spoolFile().toString())) {
                throw new DeliveryFailure(FailureKind.PERMANENT, FailureCode.SPOOL_COPY_MISSING,
                        "the spool copy of this upload is missing", e);
            }
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.WRITE_FAILED,
                    "cannot write " + e.getFile() + ": it vanished", e);
        } catch (AccessDeniedException e) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.PERMISSION_DENIED,
                    "permission denied writing " + e.getFile(), e);
        } catch (IOException e) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.WRITE_FAILED,
                    "cannot write to the library: " + e.getMessage(), e);
        } finally {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // a later delivery of the same job reuses and removes the name
            }
        }
    }

    /**
     * Creates the missing folders down to {@code folder} and fsyncs the parent of each new one: a new
     * folder's entry is durable only once its parent is synced, and the file inside lives or dies with it.
     */
    private static void createFoldersDurably(Path folder) throws IOException {
        java.util.ArrayDeque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = folder; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path dir = missing.pop();
            try {
                Files.createDirectory(dir);
            } catch (FileAlreadyExistsException raced) {
                if (!Files.isDirectory(dir)) {
                    throw raced;
                }
            }
            Durable.fsyncDirectory(dir.getParent());
        }
    }

    private record Landed(Path path, boolean alreadyThere) {
    }

    /** Copies the spool file to {@code temp}, hashing as it goes, and fsyncs it. */
    private static void copyVerified(Path spool, Path temp, Job job) throws IOException, DeliveryFailure {
        MessageDigest md = Sha256.newDigest();
        ByteBuffer buf = ByteBuffer.allocateDirect(1024 * 1024);
        long copied = 0;
        try (FileChannel in = FileChannel.open(spool, StandardOpenOption.READ);
             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                     StandardOpenOption.TRUNCATE_EXISTING)) {
            while (in.read(buf) >= 0) {
                buf.flip();
                copied += buf.remaining();
                md.update(buf.duplicate());
                while (buf.hasRemaining()) {
                    out.write(buf);
                }
                buf.clear();
            }
            out.force(true);
        }
        String sha = Sha256.hex(md.digest());
        if (copied != job.size() || !sha.equals(job.sha256())) {
            throw new DeliveryFailure(FailureKind.PERMANENT, FailureCode.SPOOL_COPY_DAMAGED,
                    "the spool copy is damaged: it has " + copied
                    + " bytes with SHA-256 " + sha + ", the upload had " + job.size() + " bytes with " + job.sha256());
        }
    }

    private static Landed link(Path temp, Path destination, Job job, int firstCopy) throws IOException, DeliveryFailure {
        String name = destination.getFileName().toString();
        for (int n = firstCopy; n < MAX_COPIES; n++) {
            Path candidate = destination.resolveSibling(FileNames.numbered(name, n));
            if (FileNames.utf8Length(candidate.getFileName().toString()) > FileNames.MAX_SEGMENT_BYTES) {
                throw new DeliveryFailure(FailureKind.PERMANENT, FailureCode.NAME_TOO_LONG,
                        "the file name " + candidate.getFileName() + " is too long");
            }
            try {
                linkNoReplace(temp, candidate);
                return new Landed(candidate, false);
            } catch (FileAlreadyExistsException e) {
                if (sameContent(candidate, job)) {
                    return new Landed(candidate, true);
                }
            }
        }
        throw new DeliveryFailure(FailureKind.PERMANENT, FailureCode.TOO_MANY_COPIES,
                "more than " + MAX_COPIES + " different files are named " + name);
    }

    /** Gives {@code temp} the name {@code target} unless the name is taken; atomic where hard links exist. */
    private static void linkNoReplace(Path temp, Path target) throws IOException {
        try {
            Files.createLink(target, temp);
        } catch (UnsupportedOperationException | FileSystemException e) {
            if (e instanceof FileAlreadyExistsException taken) {
                throw taken;
            }
            // No hard links here (some network and FUSE file systems): a no-replace move, serialised.
            synchronized (LocalFolderTarget.class) {
                if (Files.exists(target)) {
                    throw new FileAlreadyExistsException(target.toString());
                }
                Files.copy(temp, target);
                Durable.fsyncFile(target);
            }
        }
    }

    private static boolean sameContent(Path existing, Job job) throws IOException {
        return Files.isRegularFile(existing) && Files.size(existing) == job.size()
                && Sha256.ofFile(existing).equals(job.sha256());
    }

    private static void verify(Path landed, Job job) throws IOException, DeliveryFailure {
        long size = Files.size(landed);
        String sha = Sha256.ofFile(landed);
        if (size != job.size() || !sha.equals(job.sha256())) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.VERIFY_FAILED,
                    "verification failed for " + landed.getFileName() + ": it has "
                    + size + " bytes with SHA-256 " + sha + ", expected " + job.size() + " bytes with " + job.sha256());
        }
    }

    @Override
    public Health health() {
        if (!Files.isDirectory(library) || !Files.isWritable(library)) {
            return new Health(false, "the library folder " + library + " is not a writable folder");
        }
        return new Health(true, library.toString());
    }
}
