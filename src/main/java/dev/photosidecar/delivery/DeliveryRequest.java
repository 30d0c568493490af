package dev.photosidecar.delivery;

import dev.photosidecar.jobs.Job;
import java.nio.file.Path;
import java.util.List;

/** One delivery: the job, its durable spool copy, and where the template says it goes under the user's root. */
public record DeliveryRequest(Job job, Path spoolFile, List<String> relativePath) {
}
