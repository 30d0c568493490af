package dev.photosidecar.spool;

import java.util.Set;

/**
 * What the start-up sweep found: partial uploads and orphans it removed, and the ids whose spool copy is
 * missing although the ledger still needs it.
 */
public record SpoolSweep(int partialsRemoved, int orphansRemoved, Set<String> missing) {
}
