package dev.photosidecar.delivery.target.webdav;

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

    static boolean looksLikeNextcloud(com.fasterxml.jackson.databind.JsonNode status) {
        return status != null && status.has("installed") && status.has("versionstring");
    }

    /** Facts from Nextcloud's status.php and its OCS capabilities answer (which may be missing). */
    static HostFacts fromNextcloud(com.fasterxml.jackson.databind.JsonNode status,
                                   com.fasterxml.jackson.databind.JsonNode capabilities) {
        String version = status.path("version").asText(status.path("versionstring").asText());
        boolean maintenance = status.path("maintenance").asBoolean(false);
        com.fasterxml.jackson.databind.JsonNode chunked = capabilities == null ? null
                : capabilities.path("ocs").path("data").path("capabilities").path("files").path("chunked_upload");
        long maxChunk = chunked == null ? DEFAULT_MAX_CHUNK : chunked.path("max_size").asLong(DEFAULT_MAX_CHUNK);
        int parallel = chunked == null ? 5 : chunked.path("max_parallel_count").asInt(5);
        HostFacts facts = new HostFacts(true, version, maintenance, false, maxChunk > 0 ? maxChunk : DEFAULT_MAX_CHUNK,
                Math.max(1, parallel));
        // Chunked upload v2 (uploads/{user}/{id} with Destination) exists since Nextcloud 26.
        return new HostFacts(true, version, maintenance, facts.majorVersion() >= 26, facts.maxChunkBytes(), facts.maxParallel());
    }

    int majorVersion() {
        try {
            return Integer.parseInt(version.split("\\.")[0]);
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
