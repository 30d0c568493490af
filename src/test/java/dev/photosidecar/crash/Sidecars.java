package dev.photosidecar.crash;

/**
 * Where {@link Phones} send their uploads: one sidecar restarted run after run ({@link SidecarRuns}), or several
 * replicas on one ledger and one spool, one of which may die for good ({@link Replicas}).
 */
interface Sidecars {
    /**
     * The run to send the next try of an upload to, waiting (like a phone that lost its connection) until one is
     * up. {@code failed} is the run the last try broke on, or null for a first try: the answer is never a run that
     * is known to be dead.
     */
    SidecarRuns.Run next(SidecarRuns.Run failed, String why);

    /** A run that is up right now, or null while none is. */
    SidecarRuns.Run live();
}
