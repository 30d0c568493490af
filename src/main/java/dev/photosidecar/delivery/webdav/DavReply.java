package dev.photosidecar.delivery.webdav;

import java.util.Optional;

/** The parts of a WebDAV answer the target acts on. */
record DavReply(int status, String reason, Optional<String> etag, Optional<String> retryAfter) {
    boolean isSuccess() {
        return status >= 200 && status < 300;
    }
}
