package dev.photosidecar.delivery;

import java.util.Optional;

/**
 * A verified delivery: where the file is under the user's root ("Photos/2024/05/IMG_1 (1).HEIC"), the
 * host's ETag and file id if it has them, and whether an identical file was already there (nothing new
 * was written).
 */
public record Delivered(String remotePath, Optional<String> etag, Optional<String> fileId, boolean alreadyPresent) {
    public Delivered(String remotePath, Optional<String> etag, boolean alreadyPresent) {
        this(remotePath, etag, Optional.empty(), alreadyPresent);
    }
}
