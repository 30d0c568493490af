package dev.photosidecar.ledger;

import java.util.Optional;

/** PhotoKit's asset resource types, by the name the API uses and Apple's number for them. */
public enum ResourceType {
    PHOTO("photo", 1),
    VIDEO("video", 2),
    AUDIO("audio", 3),
    ALTERNATE_PHOTO("alternatePhoto", 4),
    FULL_SIZE_PHOTO("fullSizePhoto", 5),
    FULL_SIZE_VIDEO("fullSizeVideo", 6),
    ADJUSTMENT_DATA("adjustmentData", 7),
    ADJUSTMENT_BASE_PHOTO("adjustmentBasePhoto", 8),
    PAIRED_VIDEO("pairedVideo", 9),
    FULL_SIZE_PAIRED_VIDEO("fullSizePairedVideo", 10),
    ADJUSTMENT_BASE_PAIRED_VIDEO("adjustmentBasePairedVideo", 11),
    ADJUSTMENT_BASE_VIDEO("adjustmentBaseVideo", 12),
    PHOTO_PROXY("photoProxy", 19);

    private final String wire;
    private final int appleNumber;

    ResourceType(String wire, int appleNumber) {
        this.wire = wire;
        this.appleNumber = appleNumber;
    }

    public String wire() {
        return wire;
    }

    public int appleNumber() {
        return appleNumber;
    }

    /** Accepts the API name (exact, or any letter case) or Apple's number. */
    public static Optional<ResourceType> parse(String text) {
        String t = text.trim();
        for (ResourceType r : values()) {
            if (r.wire.equalsIgnoreCase(t) || String.valueOf(r.appleNumber).equals(t)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
