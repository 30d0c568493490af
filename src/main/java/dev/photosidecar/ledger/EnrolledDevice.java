package dev.photosidecar.ledger;

/** A device just created, with its token: the only moment the token exists in clear. */
public record EnrolledDevice(Device device, String token) {
}
