package dev.photosidecar.spool;

import dev.photosidecar.disk.Durable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of unfinished resumable uploads, one file per upload in {@code spool/partial/{id}}. The file's
 * size is the upload's offset: there is no counter that could drift from the disk. Every append ends with an
 * fsync, and an offset is only reported after an fsync, so an offset a client was told survives a crash.
 *
 * <p>Appends stream through a 64 KiB buffer and obey the same size limit and free-space reserve as whole
 * uploads. Each append carries the upload's SHA-256 on ({@link RunningHashes}); a finished upload whose hash
 * covers its whole file is not read again, any other is hashed from disk (one streaming read). It is then handed to
 * {@link Spool#commit} like any received body.
 */
public final class PartialStore {
    private static final Logger log = LoggerFactory.getLogger(PartialStore.class);
    private static final int BUFFER = 64 * 1024;
    private static final long RECHECK_EVERY = 8L * 1024 * 1024;

    private final Spool spool;
    private final Path dir;
    private final RunningHashes hashes = new RunningHashes();

    public PartialStore(Spool spool) {
        this.spool = spool;
        this.dir = spool.partial();
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create " + dir + ": " + e, e);
        }
    }

    /** What one append did: the durable offset afterwards, and whether the request body ended early. */
    public record Appended(long offset, long received, boolean cutShort) {
    }

    /**
     * The durable offset: the file's size, made durable before it is reported (size first, then fsync, so
     * that everything up to the reported size is on disk even while an append is running).
     */
    public long offset(String id) {
        Path file = path(id);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            long size = ch.size();
            ch.force(true);
            return size;
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the partial upload " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends a request body at {@code claimedOffset}, which must be the current offset.
     *
     * @param declared    the request's Content-Length, or -1
     * @param totalLength the upload's announced total length, or -1 if not known yet
     * @param chunkSha256 a checksum of this request's body (tus {@code Upload-Checksum}): on mismatch, or if
     *                    the body was cut short, none of this request's bytes are kept
     * @throws OffsetMismatch if {@code claimedOffset} is not the offset on disk
     */
    public Appended append(String id, long claimedOffset, InputStream body, long declared, long totalLength,
                           Optional<byte[]> chunkSha256) {
        Path file = path(id);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            long start = out.size();
            if (start != claimedOffset) {
                out.force(true);
                throw new OffsetMismatch(claimedOffset, start);
            }
            checkBounds(start + Math.max(declared, 0), totalLength);
            try (Reservations.Reservation room = spool.reserve(declared)) {
                return stream(id, out, start, body, declared, totalLength, chunkSha256, room);
            }
        } catch (IOException e) {
            if (Spool.isDiskFull(e)) {
                throw Spool.insufficientStorage();
            }
            throw new IllegalStateException("cannot write to the partial upload " + id + ": " + e.getMessage(), e);
        }
    }

    private Appended stream(String id, FileChannel out, long start, InputStream body, long declared, long totalLength,
                            Optional<byte[]> chunkSha256, Reservations.Reservation room) throws IOException {
        // The upload's hash so far (null if unknown: finish reads the file), and this request's own only if it was sent.
        MessageDigest whole = hashes.resume(id, start);
        MessageDigest digest = chunkSha256.isPresent() ? Sha256.newDigest() : null;
        byte[] buf = new byte[BUFFER];
        long count = 0;
        long nextCheck = Math.max(declared, 0) + RECHECK_EVERY;
        boolean cutShort = false;
        HashBeside beside = null;
        out.position(start);
        try {
            while (true) {
                if (beside == null && whole != null && count >= Spool.HASH_BESIDE_AFTER) {
                    // A video: the upload's hash goes on on a second thread, beside the copy, as for a plain upload.
                    beside = spool.hashBeside(whole);
                }
                byte[] into = beside != null ? beside.nextBuffer() : buf;
                int n;
                try {
                    // Written as it comes, not gathered into whole buffers (BodyReads): an append's bytes reach the file
                    // at once, so a client that drops and asks for the offset finds them there.
                    n = body.read(into);
                } catch (IOException e) {
                    // The client went away: what arrived is kept, and the client resumes from the offset.
                    cutShort = true;
                    break;
                }
                if (n < 0) {
                    break;
                }
                count += n;
                room.arrived(count);
                checkBounds(start + count, totalLength);
                if (declared >= 0 && count > declared) {
                    throw LengthMismatch.longerThanDeclared(declared);
                }
                if (count > nextCheck) {
                    spool.ensureRoom();
                    nextCheck = count + RECHECK_EVERY;
                }
                if (beside != null) {
                    beside.hash(into, n); // read-only on both threads; the buffer is reused only once hashed
                } else if (whole != null) {
                    whole.update(into, 0, n);
                }
                if (digest != null) {
                    digest.update(into, 0, n);
                }
                ByteBuffer bb = ByteBuffer.wrap(into, 0, n);
                while (bb.hasRemaining()) {
                    out.write(bb);
                }
            }
            if (declared >= 0 && count < declared) {
                cutShort = true;
            }
            if (chunkSha256.isPresent()) {
                byte[] sha = digest.digest();
                if (cutShort) {
                    rollBack(out, start);
                    return new Appended(start, count, true);
                }
                if (!MessageDigest.isEqual(sha, chunkSha256.get())) {
                    rollBack(out, start);
                    throw new DigestMismatch(DigestMismatch.Scope.APPEND, Base64.getEncoder().encodeToString(sha),
                            Base64.getEncoder().encodeToString(chunkSha256.get()));
                }
            }
            out.force(true);
            if (beside != null) {
                hashes.covered(id, start + count, beside.caughtUp());
            } else if (whole != null) {
                hashes.covered(id, start + count, whole);
            }
            return new Appended(start + count, count, cutShort);
        } catch (IOException | RuntimeException e) {
            if (e instanceof DigestMismatch) {
                throw e; // rolled back above
            }
            if (chunkSha256.isEmpty() && isSidecarFault(e)) {
                // The sidecar failed (out of space, a write or fsync error), not the request: what reached the file
                // is a true prefix of the body, so it is kept for the client to resume from, once it is durable.
                keepDurable(out);
            } else {
                // A refused request (too long, too large, unverifiable) leaves the upload as it was before it.
                rollBack(out, start);
            }
            throw e;
        } finally {
            if (beside != null) {
                beside.close(); // an append that ended without its hash stops it; after caughtUp this does nothing
            }
        }
    }

    /**
     * Whether an append failed because of the sidecar (disk, I/O) rather than because of what the request sent: only
     * the spool's own refusals (too large, too long, a wrong checksum) are the request's.
     */
    private static boolean isSidecarFault(Throwable e) {
        return !(e instanceof SpoolException refusal) || refusal.isSidecarFault();
    }

    private static void keepDurable(FileChannel out) {
        try {
            out.force(true);
        } catch (IOException e) {
            // Not durable now; the next offset request fsyncs again before it reports anything, or fails.
            log.warn("Could not fsync a partial upload after a failed append: {}", e.getMessage());
        }
    }

    private void checkBounds(long total, long totalLength) {
        if (totalLength >= 0 && total > totalLength) {
            throw LengthMismatch.pastUploadLength(totalLength);
        }
        if (total > spool.maxUploadBytes()) {
            throw spool.tooLarge();
        }
    }

    private static void rollBack(FileChannel out, long start) throws IOException {
        out.truncate(start);
        out.force(true);
    }

    /**
     * A finished upload, hashed from disk and checked against {@code expectedSha256}; it can then be
     * committed like any received body. On a mismatch the bytes are removed and {@link DigestMismatch} thrown.
     */
    public ReceivedUpload finish(String id, Optional<String> expectedSha256) {
        Path file = path(id);
        try {
            if (!Files.exists(file)) {
                Files.createFile(file); // an empty upload is still an upload
            }
            long size = Files.size(file);
            Optional<byte[]> carried = hashes.digestOf(id, size);
            String sha = carried.isPresent() ? Sha256.hex(carried.get()) : Sha256.ofFile(file);
            if (expectedSha256.isPresent() && !expectedSha256.get().equalsIgnoreCase(sha)) {
                delete(id);
                throw new DigestMismatch(DigestMismatch.Scope.UPLOAD, sha, expectedSha256.get());
            }
            return new ReceivedUpload(secondName(file), size, sha);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the partial upload " + id + ": " + e.getMessage(), e);
        }
    }

    /**
     * A second name (a hard link in {@code incoming/}) for a finished partial file, to be committed or discarded
     * in its place: whatever happens to it, the partial file keeps its bytes until the upload is recorded as
     * finished, so a failure while finishing never takes back an offset a client was told. Without hard links
     * the partial file itself is handed over.
     */
    private Path secondName(Path file) throws IOException {
        Path link = spool.incomingDir().resolve(java.util.UUID.randomUUID() + ".upload");
        try {
            return Files.createLink(link, file);
        } catch (UnsupportedOperationException | java.nio.file.FileSystemException e) {
            return file;
        }
    }

    public void delete(String id) {
        hashes.forget(id);
        try {
            Files.deleteIfExists(path(id));
        } catch (IOException e) {
            log.warn("Could not delete the partial upload {}: {}", id, e.getMessage());
        }
    }

    /** The ids of every partial file on disk (for the start-up check against the ledger). */
    public List<String> ids() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path p : files) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * A crash between committing a finished upload to {@code ready/} and recording it in the ledger leaves the
     * whole file in {@code ready/} and its job receiving: the file goes back, and the client's next request
     * finishes the upload.
     */
    public boolean reclaimFromReady(String id) {
        Path ready = spool.pathOf(id);
        if (!Files.isRegularFile(ready) || Files.exists(path(id))) {
            return false;
        }
        try {
            Files.move(ready, path(id), StandardCopyOption.ATOMIC_MOVE);
            Durable.fsyncDirectory(dir);
            return true;
        } catch (IOException e) {
            throw new IllegalStateException("cannot move " + ready + " back: " + e.getMessage(), e);
        }
    }

    /** The lock that keeps other processes from writing to this upload while it is held ({@link PartialLocks}). */
    public Optional<PartialLocks.Held> tryLockAcrossProcesses(String id) {
        return spool.partialLocks().tryHold(id);
    }

    /** Removes a partial file no upload owns (left by a crash between creating it and recording it). */
    public void deleteOrphan(String name) {
        try {
            Files.deleteIfExists(dir.resolve(name));
        } catch (IOException e) {
            log.warn("Could not delete {}: {}", dir.resolve(name), e.getMessage());
        }
    }

    private Path path(String id) {
        if (!Spool.JOB_ID.matcher(id).matches()) {
            throw new IllegalArgumentException("not an upload id: " + id);
        }
        return dir.resolve(id);
    }
}
