package dev.photosidecar.api;

import dev.photosidecar.ErrorCode;
import dev.photosidecar.Problem;
import dev.photosidecar.jobs.Device;
import dev.photosidecar.jobs.DeviceRegistry;
import io.javalin.http.Context;

/**
 * Finds the device behind {@code Authorization: Bearer <token>}, or refuses with 401, and counts the request
 * against that device's rate ({@link DeviceLimits}). The device is remembered on the request, so a request
 * asked twice is authenticated and counted once.
 */
final class BearerAuth {
    private static final String DEVICE_ATTRIBUTE = "photosidecar.device";

    private final DeviceRegistry devices;
    private final DeviceLimits limits;

    BearerAuth(DeviceRegistry devices, DeviceLimits limits) {
        this.devices = devices;
        this.limits = limits;
    }

    Device device(Context ctx) {
        Device known = ctx.attribute(DEVICE_ATTRIBUTE);
        if (known != null) {
            return known;
        }
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "this call needs Authorization: Bearer <device token>");
        }
        String[] parts = header.strip().split("\\s+", 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "the Authorization header must be Bearer <device token>");
        }
        Device device = devices.authenticate(parts[1].strip());
        limits.admitRequest(device);
        ctx.attribute(DEVICE_ATTRIBUTE, device);
        return device;
    }
}
