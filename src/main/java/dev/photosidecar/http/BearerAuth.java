package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.LedgerException;
import io.javalin.http.Context;
import java.util.regex.Pattern;

/**
 * Finds the device behind {@code Authorization: Bearer <token>}, or refuses with 401, and counts the request
 * against that device's rate ({@link DeviceLimits}).
 * The token is compared byte for byte; see {@code HttpApi} for the Jetty header cache that once made a
 * differently-cased token pass on a kept-alive connection.
 */
public final class BearerAuth {
    private static final Pattern BLANKS = Pattern.compile("\\s+");

    private final DeviceRegistry devices;
    private final DeviceLimits limits;

    public BearerAuth(DeviceRegistry devices, DeviceLimits limits) {
        this.devices = devices;
        this.limits = limits;
    }

    /** The calling device; the request counts against its rate. Call once per request. */
    public Device device(Context ctx) {
        Device device = identify(ctx);
        limits.admitRequest(device);
        return device;
    }

    /** 401 when {@code device} was revoked while its request was running ({@link DeviceRegistry#requireStillActive}). */
    public void requireStillActive(Device device) {
        try {
            devices.requireStillActive(device);
        } catch (LedgerException.Unauthorized revoked) {
            // Answered here, as a Problem, so that the upload paths that clean up after a refused request see it.
            throw StorageErrors.answerFor(revoked).orElseThrow();
        }
    }

    /** The calling device, without counting the request (for checks made before the handler's own call). */
    public Device identify(Context ctx) {
        String header = ctx.header("Authorization");
        if (header == null || header.isBlank()) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "this call needs Authorization: Bearer <device token>");
        }
        String[] parts = BLANKS.split(header.strip(), 2);
        if (parts.length != 2 || !parts[0].equalsIgnoreCase("Bearer")) {
            throw new Problem(ErrorCode.UNAUTHORIZED, "the Authorization header must be Bearer <device token>");
        }
        try {
            return devices.authenticate(parts[1].strip());
        } catch (LedgerException.Unauthorized unknown) {
            throw StorageErrors.answerFor(unknown).orElseThrow();
        }
    }
}
