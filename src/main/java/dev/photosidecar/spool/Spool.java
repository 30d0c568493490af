package dev.photosidecar.spool;

import dev.photosidecar.config.Units;
import dev.photosidecar.disk.DiskFull;
import dev.photosidecar.disk.Durable;
import dev.photosidecar.disk.FolderSync;
import dev.photosidecar.disk.WriteBehind;
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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.regex.Pattern;
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
public final class Spool implements AutoCloseable {
    /** A job id ({@link dev.photosidecar.ledger.Ids}): compiled once, as every upload asks. */
    static final Pattern JOB_ID = Pattern.compile("[a-z2-7]{26}");
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final long RECHECK_EVERY = 8L * 1024 * 1024;
    /** A body this large is hashed on a second thread from here on ({@link HashBeside}); a photo never is. */
    static final long HASH_BESIDE_AFTER = 16L * 1024 * 1024;
    private static final int BESIDE_BUFFERS = 4;
    private static final int BESIDE_BUFFER = 256 * 1024;

    private final Path root;
    /** This process's own folder in {@code incoming/} ({@link IncomingFolder}); other replicas write into theirs. */
    private final IncomingFolder incoming;
    private final Path ready;
    private final PartialLocks partialLocks;
    private final long reserveBytes;
    private final long maxUploadBytes;
    private final Reservations reservations;
    private final Quarantine quarantine;
    /** The fsync of {@code ready/} after a commit's rename, shared by the commits that happen together. */
    private final FolderSync readyRenames;
    private final ExecutorService hashThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spool-hash");
        t.setDaemon(true);
        return t;
    });
    /** Early syncs of large bodies while they arrive ({@link WriteBehind}); they wait on the disk, not the CPU. */
    private final ExecutorService writeBackThreads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "spool-writeback");
        t.setDaemon(true);
        return t;
    });

    /** @param quarantineDir where {@link #sweep} moves files no job knows (outside {@code root}, never deleted) */
    public Spool(Path root, Path quarantineDir, long reserveBytes, long maxUploadBytes, Clock clock) {
        this.reservations = new Reservations(clock);
        this.quarantine = new Quarantine(quarantineDir, clock);
        this.root = root;
        this.ready = root.resolve("ready");
        this.readyRenames = new FolderSync(ready);
        this.reserveBytes = reserveBytes;
        this.maxUploadBytes = maxUploadBytes;
        try {
            Files.createDirectories(ready);
            this.incoming = IncomingFolder.claim(root.resolve("incoming"), root.resolve("live"));
            this.partialLocks = new PartialLocks(root.resolve("partial.lock"));
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the spool folders under " + root + ": " + e, e);
        }
    }

    /**
     * Streams a body into {@code incoming/}, hashing and counting it.
     *
     * @param declaredLength the Content-Length, or -1 for a chunked body
     * @param expectedSha256 the RFC 9530 digest the client sent, if any
     * @throws UploadTooLarge   for a body larger than the maximum
     * @throws OutOfSpace       for a body that would break into the reserve (or a full disk)
     * @throws LengthMismatch   for a body shorter or longer than declared
     * @throws DigestMismatch   for a body that does not match its digest. Nothing is left behind.
     */
    public ReceivedUpload receive(InputStream body, long declaredLength, Optional<byte[]> expectedSha256) {
        return receive(BodyPieces.of(body), declaredLength, expectedSha256);
    }

    /** As {@link #receive(InputStream, long, Optional)}, from the server's own buffers. */
    public ReceivedUpload receive(BodyPieces body, long declaredLength, Optional<byte[]> expectedSha256) {
        try (body) {
            if (declaredLength > maxUploadBytes) {
                throw tooLarge();
            }
            Path temp = incomingDir().resolve(UUID.randomUUID() + ".upload");
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
    }

    /**
     * Continues {@code digest} on a second thread, beside the copy ({@link HashBeside}): for a body past
     * {@link #HASH_BESIDE_AFTER}, a plain upload's or a resumable append's.
     */
    HashBeside hashBeside(MessageDigest digest) {
        return new HashBeside(digest, hashThreads, BESIDE_BUFFERS, BESIDE_BUFFER);
    }

    private ReceivedUpload stream(BodyPieces body, Path temp, long declared, Optional<byte[]> expected,
                                  Reservations.Reservation room) {
        MessageDigest digest = Sha256.newDigest();
        long count = 0;
        long nextCheck = Math.max(declared, 0) + RECHECK_EVERY;
        HashBeside beside = null;
        byte[] sha;
        try (FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            GatheredWrites writes = new GatheredWrites(out);
            WriteBehind behind = new WriteBehind(out, writeBackThreads);
            boolean written = false;
            try {
                while (true) {
                    ByteBuffer piece;
                    try {
                        piece = body.next();
                    } catch (IOException e) {
                        throw LengthMismatch.endedEarly(count, declared, e.getClass().getSimpleName());
                    }
                    if (piece == null) {
                        break;
                    }
                    int n = piece.remaining();
                    if (n == 0) {
                        writes.flush(); // the body pauses: what arrived goes to the file now
                        continue;
                    }
                    count += n;
                    room.arrived(count);
                    if (count > maxUploadBytes) {
                        throw tooLarge();
                    }
                    if (declared >= 0 && count > declared) {
                        throw LengthMismatch.longerThanDeclared(declared);
                    }
                    if (count > nextCheck) {
                        ensureRoom();
                        nextCheck = count + RECHECK_EVERY;
                    }
                    if (beside == null && count - n >= HASH_BESIDE_AFTER) {
                        beside = hashBeside(digest);
                    }
                    if (beside == null) {
                        digest.update(piece.duplicate());
                    } else {
                        beside.hash(piece, body);
                    }
                    writes.write(piece);
                    behind.written(writes.written());
                }
                writes.flush();
                sha = beside != null ? beside.digest() : digest.digest();
                behind.finish();
                written = true;
            } finally {
                if (!written) {
                    behind.abandon();
                }
                if (beside != null) {
                    beside.close();
                }
            }
        } catch (IOException e) {
            if (isDiskFull(e)) {
                throw insufficientStorage();
            }
            throw new IllegalStateException("cannot write to the spool: " + e.getMessage(), e);
        }
        if (declared >= 0 && count != declared) {
            throw LengthMismatch.notAsDeclared(count, declared);
        }
        if (expected.isPresent() && !MessageDigest.isEqual(expected.get(), sha)) {
            throw new DigestMismatch(DigestMismatch.Scope.BODY, java.util.Base64.getEncoder().encodeToString(sha),
                    java.util.Base64.getEncoder().encodeToString(expected.get()));
        }
        return new ReceivedUpload(temp, count, Sha256.hex(sha));
    }

    /**
     * Makes a received body durable as the spool copy of {@code jobId}: fsync the file, rename it into
     * {@code ready/}, fsync the folder (one fsync for the commits that wait for it together, {@link FolderSync}).
     * After this returns, a crash cannot lose the bytes.
     */
    public Path commit(ReceivedUpload upload, String jobId) {
        Path target = pathOf(jobId);
        try {
            Durable.fsyncFile(upload.tempFile());
            Files.move(upload.tempFile(), target, StandardCopyOption.ATOMIC_MOVE);
            readyRenames.afterRename();
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

    /**
     * Takes back a {@link #commit} whose job was not recorded (its key turned out to be taken): the copy goes back
     * to {@code incoming/} as the uncommitted {@code upload}, to be committed under another job or discarded. Not
     * fsynced: after a crash the file is in {@code incoming/} (removed at start-up) or still in {@code ready/}, where
     * no job knows it and the start-up sweep moves it to the quarantine.
     */
    public void withdraw(ReceivedUpload upload, String jobId) {
        Path committed = pathOf(jobId);
        try {
            Files.move(committed, upload.tempFile(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(committed);
            throw new IllegalStateException("cannot take back the spool copy of " + jobId + ": " + e.getMessage(), e);
        }
    }

    public Path pathOf(String jobId) {
        if (!JOB_ID.matcher(jobId).matches()) {
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

    /**
     * Free space for the spool (0 when it cannot be read). Asked of the folder itself (one statvfs): finding its
     * {@link java.nio.file.FileStore} first reads and parses the mount table, on every upload (docs/performance.md).
     */
    public long usableBytes() {
        return ready.toFile().getUsableSpace();
    }

    public long reserveBytes() {
        return reserveBytes;
    }

    /** Whether the spool can take a small upload right now (for readiness). */
    public boolean hasRoom() {
        return usableBytes() - reservations.promised() > reserveBytes && Files.isWritable(incomingDir());
    }

    /** What start-ups moved aside instead of deleting ({@code {data_dir}/quarantine/}). */
    public Quarantine quarantine() {
        return quarantine;
    }

    /**
     * Start-up housekeeping, before any upload is accepted. Bodies that never got an answer ({@code incoming/}) are
     * removed: their clients send them again. A file in {@code ready/} or {@code partial/} that nothing needs any
     * more is removed only when the ledger knows its job has ended (delivered, acknowledged or cancelled); any other
     * is moved to a new folder in the quarantine and never deleted, since a file the ledger does not know
     * may be a photo a phone was told is safe (a ledger restored from an older backup, or lost). The ids that are
     * needed but have no file are reported.
     *
     * @param needed     ids whose file in {@code ready/} a job or an unfinished upload still needs
     * @param unfinished ids of unfinished resumable uploads, whose files in {@code partial/} are kept
     * @param ended      which of the ids given to it are jobs the ledger knows to have ended
     * @param alone      whether no other process uses the spool ({@code SpoolDirLock.alone()}). When others may be
     *                   at work, only what is provably nobody's goes: the {@code incoming/} folders of processes that
     *                   are gone, and copies of ended jobs. A file in {@code ready/} no job knows may be another
     *                   replica's commit whose row is not written yet, and a file in {@code partial/} no upload knows
     *                   may be another replica's upload created a moment ago: both are left for a start that has the
     *                   spool to itself.
     */
    public SpoolSweep sweep(Set<String> needed, Set<String> unfinished, Function<Set<String>, Set<String>> ended,
                            boolean alone) throws IOException {
        int unanswered = incoming.removeLeftovers(root.resolve("incoming"), root.resolve("live"), alone);
        Set<String> present = new HashSet<>();
        Set<String> strays = new HashSet<>();
        for (Path p : list(ready)) {
            String name = p.getFileName().toString();
            (needed.contains(name) ? present : strays).add(name);
        }
        Set<String> done = strays.isEmpty() ? Set.of() : ended.apply(strays);
        int removed = 0;
        for (String name : done) {
            Files.deleteIfExists(ready.resolve(name));
            removed++;
        }
        List<Path> unknown = new ArrayList<>();
        int leftForLater = 0;
        for (String name : strays) {
            if (!done.contains(name)) {
                unknown.add(ready.resolve(name));
            }
        }
        for (Path p : list(partial())) {
            if (!unfinished.contains(p.getFileName().toString())) {
                unknown.add(p);
            }
        }
        if (!alone) {
            leftForLater = unknown.size();
            unknown.clear();
        }
        Optional<Quarantine.Moved> moved = quarantine.moveAll(unknown);
        if (removed > 0 || !unknown.isEmpty()) {
            Durable.fsyncDirectory(ready);
        }
        Set<String> missing = new HashSet<>(needed);
        missing.removeAll(present);
        missing.removeAll(unfinished);
        return new SpoolSweep(unanswered, removed, moved, missing, leftForLater);
    }

    private static List<Path> list(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            files.forEach(out::add);
        }
        return out;
    }

    /** Where unfinished resumable uploads keep their bytes ({@link PartialStore}). */
    Path partial() {
        return root().resolve("partial");
    }

    /** The largest upload accepted, partial uploads included. */
    public long maxUploadBytes() {
        return maxUploadBytes;
    }

    Path root() {
        return root;
    }

    /** Where this process streams bodies it is receiving: its own folder in {@code incoming/}. */
    Path incomingDir() {
        return incoming.dir();
    }

    /** The locks that keep two processes from writing to one unfinished upload at once. */
    public PartialLocks partialLocks() {
        return partialLocks;
    }

    /** A clean stop, after the last request: this process's folder in {@code incoming/} goes, and its locks. */
    @Override
    public void close() {
        partialLocks.close();
        incoming.close();
        hashThreads.shutdownNow();
        writeBackThreads.shutdown(); // not Now: an interrupted force would close the upload's file under it
    }

    /**
     * Promises room to an arriving body of {@code declaredLength} bytes (-1 when unknown), or throws {@link OutOfSpace} when it
     * does not fit beside what running bodies are promised ({@link OutOfSpace}). Close the reservation however the body ends.
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

    /** {@link OutOfSpace} once the disk has dropped to the reserve (checked as a body grows). */
    void ensureRoom() {
        long usable = usableBytes();
        if (usable < reserveBytes) {
            log.warn("Refusing upload: the spool has {} free and keeps {} in reserve",
                    Units.formatBytes(usable), Units.formatBytes(reserveBytes));
            throw insufficientStorage();
        }
    }

    UploadTooLarge tooLarge() {
        return new UploadTooLarge(maxUploadBytes);
    }

    static OutOfSpace insufficientStorage() {
        return new OutOfSpace();
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
