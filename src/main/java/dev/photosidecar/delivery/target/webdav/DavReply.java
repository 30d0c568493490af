package dev.photosidecar.delivery.target.webdav;

import java.util.Optional;

/**
 * The parts of a WebDAV answer the target acts on, Nextcloud's extra headers included ({@code OC-FileId},
 * {@code X-Hash-SHA256}, {@code X-Nextcloud-Maintenance-Mode}).
 */
record DavReply(int status, String reason, Optional<String> etag, Optional<String> retryAfter, Optional<String> fileId,
                Optional<String> hashSha256, boolean maintenance) {
    boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
