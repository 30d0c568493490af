package dev.photosidecar.spool;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The uploads a spool folder holds on disk, counted without the ledger: whole bodies in {@code ready/} and
 * unfinished resumable ones in {@code partial/} (never {@code incoming/}, whose bodies were never answered, nor
 * the quarantine). Start-up compares it with the ledger before it trusts either.
 */
public record HeldFiles(long files, long bytes) {
    public static HeldFiles in(Path spoolDir) {
        long files = 0;
        long bytes = 0;
        for (String area : new String[] {"ready", "partial"}) {
            Path dir = spoolDir.resolve(area);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> all = Files.list(dir)) {
                for (Path f : (Iterable<Path>) all::iterator) {
                    if (Files.isRegularFile(f)) {
                        files++;
                        bytes += Files.size(f);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
            }
        }
        return new HeldFiles(files, bytes);
    }

    public boolean isEmpty() {
        return files == 0;
    }
}
