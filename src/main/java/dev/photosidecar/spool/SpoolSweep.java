package dev.photosidecar.spool;

import java.util.Optional;
import java.util.Set;

/**
 * What the start-up sweep found: bodies that never got an answer and copies of ended jobs (both removed), the
 * files no job or upload knows (moved to quarantine, if there were any), and the ids whose spool copy is missing
 * although the ledger still needs it; on a spool other replicas use, how many unknown files were left where they are
 * (they may be those replicas' work in progress).
 */
public record SpoolSweep(int unansweredRemoved, int endedRemoved, Optional<Quarantine.Moved> quarantined,
                         Set<String> missing, int unknownLeft) {
}
