package dev.photosidecar.ledger;

import java.util.List;
import java.util.Optional;

/** One page of a listing, newest first; {@code nextBeforeSeq} continues it when there is more. */
public record JobPage(List<Job> jobs, Optional<Long> nextBeforeSeq) {
}
