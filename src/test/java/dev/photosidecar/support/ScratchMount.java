package dev.photosidecar.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A small file system of its own, mounted for one test: a size-limited tmpfs, or, where tmpfs cannot be
 * mounted, an ext4 image on a loop device. Disk-full and read-only faults are then real (ENOSPC, EROFS
 * from the kernel), not simulated. Mounting needs root; where nothing works the test is skipped through
 * a JUnit assumption whose reason says what was tried and what failed (the reason is printed as well).
 */
public final class ScratchMount implements AutoCloseable {
    private final Path dir;
    private final String kind;
    private final Path image;
    private boolean mounted = true;

    private ScratchMount(Path dir, String kind, Path image) {
        this.dir = dir;
        this.kind = kind;
        this.image = image;
    }

    /** Mounts a {@code sizeMiB} file system at a new folder under {@code parent}, or skips the test. */
    public static ScratchMount mountOrSkip(Path parent, int sizeMiB) {
        List<String> tried = new ArrayList<>();
        try {
            Path dir = Files.createDirectories(parent.resolve("scratch-mount"));
            Result tmpfs = run("mount", "-t", "tmpfs", "-o", "size=" + sizeMiB + "m,mode=0755", "tmpfs", dir.toString());
            if (tmpfs.ok()) {
                return new ScratchMount(dir, "tmpfs " + sizeMiB + " MiB", null);
            }
            tried.add("mount -t tmpfs: " + tmpfs.output());
            Path image = parent.resolve("scratch.img");
            Result made = run("truncate", "-s", sizeMiB + "M", image.toString());
            Result fs = made.ok() ? run("mkfs.ext4", "-q", "-F", image.toString()) : made;
            Result loop = fs.ok() ? run("mount", "-o", "loop", image.toString(), dir.toString()) : fs;
            if (loop.ok()) {
                return new ScratchMount(dir, "ext4 loop image " + sizeMiB + " MiB", image);
            }
            tried.add("loop-mounted ext4 image: " + loop.output());
        } catch (IOException e) {
            tried.add(e.toString());
        }
        String reason = "cannot mount a small file system here (needs root and mount rights): " + String.join("; ", tried);
        System.out.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
        throw new AssertionError("unreachable");
    }

    public Path dir() {
        return dir;
    }

    /** What was mounted, for the test's report. */
    public String kind() {
        return kind;
    }

    public long usableBytes() {
        try {
            return Files.getFileStore(dir).getUsableSpace();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Grows {@code filler} until the kernel says ENOSPC: the file system is 100 % full. */
    public static void fillCompletely(Path filler) {
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(filler, java.nio.file.StandardOpenOption.CREATE,
                java.nio.file.StandardOpenOption.WRITE, java.nio.file.StandardOpenOption.APPEND)) {
            java.nio.ByteBuffer block = java.nio.ByteBuffer.allocate(4096);
            while (true) {
                block.clear();
                ch.write(block);
            }
        } catch (IOException e) {
            if (e.getMessage() == null || !e.getMessage().contains("No space left")) {
                throw new UncheckedIOException("filling " + filler + " stopped for another reason than a full disk", e);
            }
        }
    }

    /** Makes the mounted file system read-only (EROFS for every write), as a failing disk or an admin would. */
    public void remountReadOnly() {
        Result r = run("mount", "-o", "remount,ro", dir.toString());
        if (!r.ok()) {
            throw new IllegalStateException("cannot remount " + dir + " read-only: " + r.output());
        }
    }

    public void remountReadWrite() {
        Result r = run("mount", "-o", "remount,rw", dir.toString());
        if (!r.ok()) {
            throw new IllegalStateException("cannot remount " + dir + " read-write: " + r.output());
        }
    }

    /** Unmounts (lazily if something still holds a file open), whatever state the test left it in. */
    @Override
    public void close() {
        if (!mounted) {
            return;
        }
        Result r = run("umount", dir.toString());
        if (!r.ok()) {
            r = run("umount", "-l", dir.toString());
        }
        mounted = !r.ok();
        if (mounted) {
            System.out.println("WARNING: could not unmount " + dir + ": " + r.output());
        }
        if (image != null) {
            try {
                Files.deleteIfExists(image);
            } catch (IOException ignored) {
                // the temporary folder goes anyway
            }
        }
    }

    private record Result(boolean ok, String output) {
    }

    private static Result run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(false, String.join(" ", command) + " did not finish");
            }
            return new Result(p.exitValue() == 0, out.isEmpty() ? "exit " + p.exitValue() : out);
        } catch (IOException e) {
            return new Result(false, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, "interrupted");
        }
    }
}
