package dev.photosidecar.push;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;

/**
 * What {@code photo-sidecar push} was asked to do, already checked.
 *
 * @param cameraZone the zone of EXIF times that carry no offset of their own
 * @param retries how often one upload is tried again after 503/507/429 or a broken connection
 * @param maxRetryWait the longest pause before such a retry, whatever Retry-After says
 */
public record PushOptions(Path folder, URI server, String token, int parallel, boolean waitForDelivery,
                          Duration waitTimeout, boolean acknowledge, ZoneId cameraZone, int retries, Duration maxRetryWait,
                          ProgressDisplay.Mode progress) {
}
