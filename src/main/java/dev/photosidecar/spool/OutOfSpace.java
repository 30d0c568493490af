package dev.photosidecar.spool;

/**
 * The spool would drop under its reserved free space, or the disk is full: the sidecar's fault, and transient.
 * Nothing of a whole body is kept; a resumable upload keeps what is durable.
 */
public final class OutOfSpace extends SpoolException {
    private static final long serialVersionUID = 1L;

    OutOfSpace() {
        super("the sidecar's spool is out of space; nothing was kept, try again later");
    }

    @Override
    public boolean isSidecarFault() {
        return true;
    }
}
