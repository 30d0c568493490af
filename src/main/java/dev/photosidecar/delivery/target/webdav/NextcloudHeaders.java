package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.ledger.Job;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The headers that make Nextcloud keep a photo's capture time as its file time, store its checksum, and
 * prove it received the exact bytes ({@code X-Hash: sha256} → {@code X-Hash-SHA256} in the answer).
 */
final class NextcloudHeaders {
    private NextcloudHeaders() {
    }

    static Map<String, String> forUpload(Job job) {
        Map<String, String> h = new LinkedHashMap<>(times(job));
        h.put("OC-Checksum", "SHA256:" + job.sha256());
        h.put("X-Hash", "sha256");
        return h;
    }

    /** For the MOVE that joins a chunked upload: the same times and hash request. */
    static Map<String, String> forAssembly(Job job) {
        return forUpload(job);
    }

    private static Map<String, String> times(Job job) {
        String seconds = String.valueOf(job.createdAt().getEpochSecond());
        Map<String, String> h = new LinkedHashMap<>();
        h.put("X-OC-MTime", seconds);
        h.put("X-OC-CTime", seconds);
        return h;
    }
}
