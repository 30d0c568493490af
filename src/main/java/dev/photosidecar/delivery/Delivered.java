package dev.photosidecar.delivery;

import java.util.Optional;

/**
 * A verified delivery: where the file is under the user's root ("Photos/2024/05/IMG_1 (1).HEIC"), the
 * host's ETag if it has one, and whether an identical file was already there (nothing new was written).
 */
public record Delivered(String remotePath, Optional<String> etag, boolean alreadyPresent) {
}
