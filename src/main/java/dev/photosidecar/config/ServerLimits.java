package dev.photosidecar.config;

import java.time.Duration;

/**
 * The limits that keep one device or one slow connection from taking the server from everybody else:
 * per-device concurrent uploads, request rate, bytes in flight and unfinished resumable uploads (429), and the
 * connection timeouts and header size Jetty enforces (slow-loris protection).
 *
 * @param maxUploadsPerDevice        uploads one device may have running at once before 429 TOO_MANY_UPLOADS
 * @param deviceRequestRate          requests per second a device may keep up, on average (token bucket refill)
 * @param deviceRequestBurst         requests a device may send at once after being quiet (token bucket size)
 * @param idleTimeout                how long a connection may stay silent, mid-request or between requests
 * @param headerTimeout              how long a request's headers may take to arrive, however they trickle
 * @param maxHeaderBytes             largest request line plus headers (431 above)
 * @param maxBytesInFlightPerDevice  the Content-Lengths of one device's running uploads and appends, added up, above
 *                                   which another one gets 429 TOO_MANY_BYTES_IN_FLIGHT
 * @param maxUnfinishedPerDevice     unfinished resumable uploads one device may keep before 429
 *                                   TOO_MANY_UNFINISHED_UPLOADS
 */
public record ServerLimits(int maxUploadsPerDevice, double deviceRequestRate, int deviceRequestBurst,
                           Duration idleTimeout, Duration headerTimeout, int maxHeaderBytes,
                           long maxBytesInFlightPerDevice, int maxUnfinishedPerDevice) {
    /** Twice the largest upload: room for one upload of the largest size beside others of the same device. */
    public static long defaultBytesInFlight(long maxUploadBytes) {
        return maxUploadBytes > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * maxUploadBytes;
    }

    /** The connection and rate limits, with the default shares (for uploads of the default largest size). */
    public ServerLimits(int maxUploadsPerDevice, double deviceRequestRate, int deviceRequestBurst, Duration idleTimeout,
                        Duration headerTimeout, int maxHeaderBytes) {
        this(maxUploadsPerDevice, deviceRequestRate, deviceRequestBurst, idleTimeout, headerTimeout, maxHeaderBytes,
                defaultBytesInFlight(Units.parseBytes(Setting.MAX_UPLOAD_BYTES.defaultValue().orElseThrow())),
                Integer.parseInt(Setting.MAX_UNFINISHED_UPLOADS_PER_DEVICE.defaultValue().orElseThrow()));
    }
}
