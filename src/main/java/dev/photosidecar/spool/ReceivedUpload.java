package dev.photosidecar.spool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A body that arrived whole and matched its length and digest, still in the spool's incoming folder.
 * It becomes durable with {@link Spool#commit}; otherwise it must be {@link #discard()}ed.
 */
public final class ReceivedUpload {
    private final Path tempFile;
    private final long size;
    private final String sha256;

    ReceivedUpload(Path tempFile, long size, String sha256) {
        this.tempFile = tempFile;
        this.size = size;
        this.sha256 = sha256;
    }

    Path tempFile() {
        return tempFile;
    }

    public long size() {
        return size;
    }

    /** Lower-case hex. */
    public String sha256() {
        return sha256;
    }

    public void discard() {
        try {
            Files.deleteIfExists(tempFile);
        } catch (IOException e) {
            // The start-up sweep removes whatever is left in incoming/.
        }
    }
}
