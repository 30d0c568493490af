package dev.photosidecar.intake;

import dev.photosidecar.ledger.Job;

/** What a whole body does to an unfinished resumable upload whose receiving job holds the same key. */
@FunctionalInterface
public interface UnfinishedUpload {
    /** The unfinished upload stays; the body is judged against its receiving job (a conflict). */
    UnfinishedUpload STAYS = receiving -> { };

    /** Deals with the unfinished upload behind {@code receiving} before the body is judged. */
    void supersede(Job receiving);
}
