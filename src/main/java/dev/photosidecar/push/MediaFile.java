package dev.photosidecar.push;

import java.nio.file.Path;
import java.time.Instant;

/**
 * One photo or video found under the pushed folder, as it was when the folder was scanned.
 *
 * @param relativePath the path below the pushed folder, with '/' between names, in Unicode NFC
 */
public record MediaFile(Path path, String relativePath, long size, Instant modified, MediaFormat format) {

    public String fileName() {
        return path.getFileName().toString();
    }

    /** The stable upload key of this version of the file; see {@link UploadKeys}. */
    public String key() {
        return UploadKeys.keyFor(relativePath, size, modified);
    }
}
