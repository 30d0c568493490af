package dev.photosidecar.bench;

import dev.photosidecar.disk.Durable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The disk's durable limit for the intake scenario: the same files written by {@code threads} Java threads
 * with the spool's own durability steps and nothing else — stream through a 64 KiB buffer into
 * {@code incoming/}, fsync the file, rename it into {@code ready/}, fsync {@code ready/}. No HTTP, no hashing,
 * no ledger: what is left is what the disk itself costs.
 */
final class DurableWrites {
    private DurableWrites() {
    }

    /** Writes every file once; returns the wall time in seconds. */
    static double run(List<Path> files, int threads, Path dir) throws Exception {
        Path incoming = Files.createDirectories(dir.resolve("incoming"));
        Path ready = Files.createDirectories(dir.resolve("ready"));
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        long t0 = System.nanoTime();
        try {
            List<Future<?>> done = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                done.add(pool.submit(() -> {
                    byte[] buf = new byte[64 * 1024];
                    for (int i = next.getAndIncrement(); i < files.size(); i = next.getAndIncrement()) {
                        Path temp = incoming.resolve(i + ".upload");
                        try (InputStream in = Files.newInputStream(files.get(i));
                             FileChannel out = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                            for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                                ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                                while (bb.hasRemaining()) {
                                    out.write(bb);
                                }
                            }
                        }
                        Durable.fsyncFile(temp);
                        Files.move(temp, ready.resolve(String.valueOf(i)), StandardCopyOption.ATOMIC_MOVE);
                        Durable.fsyncDirectory(ready);
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var walk = Files.walk(root)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
