package dev.photosidecar.delivery.webdav;

/**
 * What the host told us about itself. Everything Nextcloud-specific (modification times, server-side
 * hashes, chunked uploads) is used only when {@link #nextcloud()} is true; any other WebDAV server keeps
 * the generic path.
 *
 * @param maxChunkBytes  the largest chunk or plain PUT the host takes ({@code files.chunked_upload.max_size})
 * @param maxParallel    chunks the host accepts at once ({@code files.chunked_upload.max_parallel_count})
 */
public record HostFacts(boolean nextcloud, String version, boolean maintenance, boolean chunkingV2, long maxChunkBytes,
                        int maxParallel) {

    /** Nextcloud's own defaults, used when its capabilities do not say. */
    static final long DEFAULT_MAX_CHUNK = 100L * 1024 * 1024;

    static HostFacts genericWebDav() {
        return new HostFacts(false, "", false, false, Long.MAX_VALUE, 1);
    }

    int majorVersion() {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
