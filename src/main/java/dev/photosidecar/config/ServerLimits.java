package dev.photosidecar.config;

import java.time.Duration;

/**
 * The limits that keep one device or one slow connection from taking the server from everybody else:
 * per-device concurrent uploads and request rate (429), and the connection timeouts and header size
 * Jetty enforces (slow-loris protection).
 *
 * @param maxUploadsPerDevice uploads one device may have running at once before 429 TOO_MANY_UPLOADS
 * @param deviceRequestRate   requests per second a device may keep up, on average (token bucket refill)
 * @param deviceRequestBurst  requests a device may send at once after being quiet (token bucket size)
 * @param idleTimeout         how long a connection may stay silent, mid-request or between requests
 * @param headerTimeout       how long a request's headers may take to arrive, however they trickle
 * @param maxHeaderBytes      largest request line plus headers (431 above)
 */
public record ServerLimits(int maxUploadsPerDevice, double deviceRequestRate, int deviceRequestBurst,
                           Duration idleTimeout, Duration headerTimeout, int maxHeaderBytes) {
}
