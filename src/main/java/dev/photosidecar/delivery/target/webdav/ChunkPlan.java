package dev.photosidecar.delivery.target.webdav;

/**
 * How a file is cut for Nextcloud's chunked upload v2: chunks of {@code chunkSize} bytes numbered from 1,
 * the last one shorter. Nextcloud wants 5 MiB at least (except the last), at most its max_size, and no
 * more than 10,000 chunks.
 */
record ChunkPlan(long fileSize, long chunkSize) {
    static final long MIN_CHUNK = 5L * 1024 * 1024;
    static final int MAX_CHUNKS = 10_000;

    /** The chunk size to use for a file: the wanted size, kept within the host's limits. */
    static ChunkPlan of(long fileSize, long wantedChunk, long hostMaxChunk) {
        long size = Math.max(MIN_CHUNK, Math.min(wantedChunk, hostMaxChunk));
        long needed = (fileSize + MAX_CHUNKS - 1) / MAX_CHUNKS;
        return new ChunkPlan(fileSize, Math.max(size, needed));
    }

    int count() {
        return (int) Math.max(1, (fileSize + chunkSize - 1) / chunkSize);
    }

    long offset(int number) {
        return (number - 1) * chunkSize;
    }

    long length(int number) {
        return Math.min(chunkSize, fileSize - offset(number));
    }

    /** Nextcloud sorts chunks by name: zero-padded numbers keep that the upload order. */
    static String name(int number) {
        return String.format("%05d", number);
    }
}
