package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Job;
import java.nio.file.Path;
import java.util.List;

/**
 * One delivery: the job, its durable spool copy, where the template says it goes under the user's root,
 * and the copy number to start from: 0 normally, n when the other half of a Live Photo already landed as
 * "name (n).ext", so that the pair keeps one base name.
 */
public record DeliveryRequest(Job job, Path spoolFile, List<String> relativePath, int firstCopyNumber) {
    public DeliveryRequest(Job job, Path spoolFile, List<String> relativePath) {
        this(job, spoolFile, relativePath, 0);
    }

    public String fileName() {
        return relativePath.get(relativePath.size() - 1);
    }

    public List<String> folders() {
        return relativePath.subList(0, relativePath.size() - 1);
    }
}
