package dev.photosidecar.delivery;

import dev.photosidecar.ledger.Job;
import java.time.Duration;

/** What the delivery workers report as they go: metrics listen here. */
public interface DeliveryEvents {
    DeliveryEvents NONE = new DeliveryEvents() {
    };

    /** A job landed and was verified, {@code latency} after it was received. */
    default void delivered(Job job, Delivered delivered, Duration latency) {
    }

    /** An attempt did not land the file: {@link DeliveryFailure#code()} says why, {@link DeliveryFailure#kind()} what next. */
    default void attemptFailed(Job job, DeliveryFailure failure) {
    }
}
