package dev.photosidecar.spool;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import dev.photosidecar.config.Units;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable spool: where upload bodies live from the moment they arrive until their delivery is
 * verified. Bodies stream to {@code incoming/} while being hashed and counted (never held in memory),
 * and only a body that is whole and matches its length and digest is fsynced and renamed into
 * {@code ready/{jobId}}.
 *
 * <p>The spool never lets free space drop under its reserve: an upload with a known length must fit when it
 * starts, beside what running uploads are promised ({@link Reservations}: only as much as each one's pace
 * brings, so a body that does not move holds no space), and every upload re-checks the disk as it grows.
 */
public final class Spool {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final int BUFFER = 64 * 1024;
    private static final long RECHECK_EVERY = 8L * 1024 * 1024;

    private final Path incoming;
    private final Path ready;
    private final long reserveBytes;
    private final long maxUploadBytes;
    private final Reservations reservations;

    public Spool(Path root, long reserveBytes, long maxUploadBytes, Clock clock) {
        this.reservations = new Reservations(clock);
        this.incoming = root.resolve("incoming");
        this.ready = root.resolve("ready");
        this.reserveBytes = reserveBytes;
        this.maxUploadBytes = maxUploadBytes;
        try {
            Files.createDirectories(incoming);
            Files.createDirectories(ready);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the spool folders under " + root + ": " + e, e);
        }
    }

    /**
     * Streams a body into {@code incoming/}, hashing and counting it.
     *
     * @param declaredLength the Content-Length, or -1 for a chunked body
     * @param expectedSha256 the RFC 9530 digest the client sent, if any
     * @throws Problem for a body that is too large, would break into the reserve, is shorter or longer
     *                 than declared, or does not match its digest. Nothing is left behind.
     */
    public ReceivedUpload receive(InputStream body, long declaredLength, Optional<byte[]> expectedSha256) {
        if (declaredLength > maxUploadBytes) {
            throw tooLarge();
        }
        Path temp = incoming.resolve(UUID.randomUUID() + ".upload");
        boolean kept = false;
        try (Reservations.Reservation room = reserve(declaredLength)) {
            ReceivedUpload upload = stream(body, temp, declaredLength, expectedSha256, room);
            kept = true;
            return upload;
        } finally {
            if (!kept) {
                deleteQuietly(temp);
            }
        }
    }

    private ReceivedUpload stream(InputStream body, Path temp, long declared, Optional<byte[]> expected,
                                  Reservations.Reservation room) {
        MessageDigest digest = Sha256.newDigest();
        byte[] buf = new byte[BUFFER];
        long count = 0;
        long nextCheck = Math.max(declared, 0) + RECHECK_EVERY;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            while (true) {
                int n;
                try {
                    n = body.read(buf);
                } catch (IOException e) {
                    throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH, "the body ended early after " + count + " bytes"
                            + (declared >= 0 ? " of the " + declared + " that Content-Length announced" : "")
                            + " (" + e.getClass().getSimpleName() + ")");
                }
                if (n < 0) {
                    break;
                }
                count += n;
                room.arrived(count);
                if (count > maxUploadBytes) {
                    throw tooLarge();
                }
                if (declared >= 0 && count > declared) {
                    throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH,
                            "the body is longer than the " + declared + " bytes Content-Length announced");
                }
                if (count > nextCheck) {
                    ensureRoom();
                    nextCheck = count + RECHECK_EVERY;
                }
                digest.update(buf, 0, n);
                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            }
        } catch (IOException e) {
            if (isDiskFull(e)) {
                throw insufficientStorage();
            }
            throw new IllegalStateException("cannot write to the spool: " + e.getMessage(), e);
        }
        if (declared >= 0 && count != declared) {
            throw new Problem(ErrorCode.CONTENT_LENGTH_MISMATCH,
                    "the body has " + count + " bytes but Content-Length announced " + declared);
        }
        byte[] sha = digest.digest();
        if (expected.isPresent() && !MessageDigest.isEqual(expected.get(), sha)) {
            throw new Problem(ErrorCode.DIGEST_MISMATCH, "the body's SHA-256 is " + java.util.Base64.getEncoder().encodeToString(sha)
                    + " but the digest header says " + java.util.Base64.getEncoder().encodeToString(expected.get()));
        }
        return new ReceivedUpload(temp, count, Sha256.hex(sha));
    }

    /**
     * Makes a received body durable as the spool copy of {@code jobId}: fsync the file, rename it into
     * {@code ready/}, fsync the folder. After this returns, a crash cannot lose the bytes.
     */
    public Path commit(ReceivedUpload upload, String jobId) {
        Path target = pathOf(jobId);
        try {
            Durable.fsyncFile(upload.tempFile());
            Files.move(upload.tempFile(), target, StandardCopyOption.ATOMIC_MOVE);
            Durable.fsyncDirectory(ready);
            return target;
        } catch (FileAlreadyExistsException e) {
            upload.discard();
            throw new IllegalStateException("spool copy for job " + jobId + " exists already", e);
        } catch (IOException e) {
            upload.discard();
            deleteQuietly(target);
            if (isDiskFull(e)) {
                throw insufficientStorage();
            }
            throw new IllegalStateException("cannot commit to the spool: " + e.getMessage(), e);
        }
    }

    public Path pathOf(String jobId) {
        if (!jobId.matches("[a-z2-7]{26}")) {
            throw new IllegalArgumentException("not a job id: " + jobId);
        }
        return ready.resolve(jobId);
    }

    public boolean has(String jobId) {
        return Files.isRegularFile(pathOf(jobId));
    }

    public void remove(String jobId) {
        deleteQuietly(pathOf(jobId));
    }

    public long usableBytes() {
        try {
            return Files.getFileStore(ready).getUsableSpace();
        } catch (IOException e) {
            return 0;
        }
    }

    public long reserveBytes() {
        return reserveBytes;
    }

    /** Whether the spool can take a small upload right now (for readiness). */
    public boolean hasRoom() {
        return usableBytes() - reservations.promised() > reserveBytes && Files.isWritable(incoming);
    }

    /**
     * Start-up housekeeping, before any upload is accepted: partial uploads from a previous run are
     * removed, spool files with no job that needs them are removed, and the ids in {@code needed} whose
     * file is gone are reported.
     */
    public SpoolSweep sweep(Set<String> needed) throws IOException {
        int partials = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(incoming)) {
            for (Path p : files) {
                Files.deleteIfExists(p);
                partials++;
            }
        }
        int orphans = 0;
        Set<String> present = new HashSet<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ready)) {
            for (Path p : files) {
                String name = p.getFileName().toString();
                if (needed.contains(name)) {
                    present.add(name);
                } else {
                    Files.deleteIfExists(p);
                    orphans++;
                }
            }
        }
        if (partials + orphans > 0) {
            Durable.fsyncDirectory(ready);
        }
        Set<String> missing = new HashSet<>(needed);
        missing.removeAll(present);
        return new SpoolSweep(partials, orphans, missing);
    }

    /** The largest upload accepted, partial uploads included. */
    public long maxUploadBytes() {
        return maxUploadBytes;
    }

    Path root() {
        return incoming.getParent();
    }

    /** Where unfinished resumable uploads keep their bytes ({@link PartialStore}). */
    Path partial() {
        return root().resolve("partial");
    }

    /**
     * Promises room to an arriving body of {@code declaredLength} bytes (-1 when unknown), or throws 507 when it
     * does not fit beside what running bodies are promised. Close the reservation however the body ends.
     */
    Reservations.Reservation reserve(long declaredLength) {
        long usable = usableBytes();
        Reservations.Reservation r = reservations.open(Math.max(0, declaredLength), usable - reserveBytes);
        if (r == null) {
            log.warn("Refusing an upload of {}: the spool has {} free, {} promised to running uploads, and keeps {} in reserve",
                    Units.formatBytes(declaredLength), Units.formatBytes(usable), Units.formatBytes(reservations.promised()),
                    Units.formatBytes(reserveBytes));
            throw insufficientStorage();
        }
        return r;
    }

    /** 507 once the disk has dropped to the reserve (checked as a body grows). */
    void ensureRoom() {
        long usable = usableBytes();
        if (usable < reserveBytes) {
            log.warn("Refusing upload: the spool has {} free and keeps {} in reserve",
                    Units.formatBytes(usable), Units.formatBytes(reserveBytes));
            throw insufficientStorage();
        }
    }

    Problem tooLarge() {
        return new Problem(ErrorCode.UPLOAD_TOO_LARGE,
                "the upload is larger than the maximum of " + maxUploadBytes + " bytes (" + Units.formatBytes(maxUploadBytes) + ")");
    }

    static Problem insufficientStorage() {
        return new Problem(ErrorCode.INSUFFICIENT_STORAGE,
                "the sidecar's spool is out of space; nothing was kept, try again later");
    }

    static boolean isDiskFull(IOException e) {
        return DiskFull.causedBy(e);
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (NoSuchFileException ignored) {
            // gone already
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", p, e.getMessage());
        }
    }
}
