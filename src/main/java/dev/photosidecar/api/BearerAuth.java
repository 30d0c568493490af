package dev.photosidecar.api;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import dev.photosidecar.jobs.Device;
import dev.photosidecar.jobs.DeviceRegistry;
import io.javalin.http.Context;

/** Finds the device behind {@code Authorization: Bearer <token>}, or refuses with 401. */
public final class BearerAuth {
    private final DeviceRegistry devices;

    BearerAuth(DeviceRegistry devices) {
        this.devices = devices;
    }

    public Device device(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "this call needs Authorization: Bearer <device token>");
        }
        String[] parts = header.strip().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "the Authorization header must be Bearer <device token>");
        }
        return devices.authenticate(parts[1].strip());
    }
}
