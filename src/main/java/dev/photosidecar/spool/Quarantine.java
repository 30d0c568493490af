package dev.photosidecar.spool;

import dev.photosidecar.disk.Durable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code {data_dir}/quarantine/}: where start-up moves spool files that no job or upload knows, instead of deleting them.
 * Such a file may be a photo a phone was told is safe, whose job a lost or older ledger no longer has; only the
 * operator can tell, so the sidecar keeps it, says so (log, {@code doctor}, the status page, {@code /metrics}),
 * and never deletes anything here itself. Each start that moves files makes its own folder, named by the time
 * ({@code 20250101T101500Z/}), holding {@code ready/} and {@code partial/} as the spool had them.
 */
public final class Quarantine {
    private static final DateTimeFormatter FOLDER = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    static final Duration RECOUNT = Duration.ofSeconds(30);

    private final Path dir;
    private final Clock clock;
    private volatile Counted counted;

    Quarantine(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    /** How many files the quarantine holds, their bytes, and where. */
    public record Contents(Path dir, long files, long bytes) {
        public boolean isEmpty() {
            return files == 0;
        }
    }

    /** What one start moved: how many files, their bytes, and the folder they went to. */
    public record Moved(Path folder, int files, long bytes) {
    }

    public Path dir() {
        return dir;
    }

    /** Moves {@code files} (each in the spool's {@code ready/} or {@code partial/}) into a new folder, keeping that level. */
    Optional<Moved> moveAll(List<Path> files) throws IOException {
        if (files.isEmpty()) {
            return Optional.empty();
        }
        Path folder = newFolder();
        long bytes = 0;
        for (Path f : files) {
            Path area = Files.createDirectories(folder.resolve(f.getParent().getFileName().toString()));
            bytes += Files.size(f);
            move(f, area.resolve(f.getFileName()));
        }
        for (Path area : List.of(folder.resolve("ready"), folder.resolve("partial"))) {
            if (Files.isDirectory(area)) {
                Durable.fsyncDirectory(area);
            }
        }
        Durable.fsyncDirectory(dir);
        counted = null;
        return Optional.of(new Moved(folder, files.size(), bytes));
    }

    /** A rename; a copy (fsynced before the original goes) where the quarantine is on another file system. */
    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException otherFileSystem) {
            Files.copy(from, to, StandardCopyOption.COPY_ATTRIBUTES);
            Durable.fsyncFile(to);
            Files.delete(from);
        }
    }

    private Path newFolder() throws IOException {
        Files.createDirectories(dir);
        String name = FOLDER.format(clock.instant());
        for (int n = 1; ; n++) {
            Path candidate = dir.resolve(n == 1 ? name : name + "-" + n);
            try {
                return Files.createDirectory(candidate);
            } catch (FileAlreadyExistsException taken) {
                // two starts within one second: the next name
            }
        }
    }

    /** What the quarantine at {@code dir} holds, without opening the spool. */
    public static Contents contentsOf(Path dir) {
        return new Quarantine(dir, Clock.systemUTC()).contents();
    }

    /**
     * What the quarantine holds, counted from the disk (the operator removes what they have looked through) at most
     * every {@link #RECOUNT}, however often the status page and {@code /metrics} ask.
     */
    public Contents contents() {
        Counted last = counted;
        long now = clock.millis();
        if (last == null || now - last.atMillis() >= RECOUNT.toMillis() || now < last.atMillis()) {
            last = new Counted(count(), now);
            counted = last;
        }
        return last.contents();
    }

    private record Counted(Contents contents, long atMillis) {
    }

    private Contents count() {
        if (!Files.isDirectory(dir)) {
            return new Contents(dir, 0, 0);
        }
        long[] count = new long[2];
        try (Stream<Path> all = Files.walk(dir)) {
            all.filter(Files::isRegularFile).forEach(f -> {
                count[0]++;
                try {
                    count[1] += Files.size(f);
                } catch (IOException gone) {
                    // removed while we looked
                }
            });
        } catch (IOException | UncheckedIOException e) {
            return new Contents(dir, count[0], count[1]);
        }
        return new Contents(dir, count[0], count[1]);
    }
}
