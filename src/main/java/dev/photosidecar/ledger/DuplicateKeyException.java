package dev.photosidecar.ledger;

import java.util.List;

/** Another upload already holds this device's key; the caller decides between replay and conflict. */
public final class DuplicateKeyException extends LedgerException {
    private static final long serialVersionUID = 1L;

    public DuplicateKeyException(String deviceId, String key) {
        super("device " + deviceId + " already has a job for key " + key, List.of());
    }
}
