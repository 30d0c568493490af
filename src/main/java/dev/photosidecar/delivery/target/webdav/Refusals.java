package dev.photosidecar.delivery.target.webdav;

import com.github.sardine.impl.SardineException;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.FailureCode;
import java.io.IOException;
import java.time.Clock;
import java.util.Optional;

/**
 * What a refusal by the host means, beyond the status alone ({@link WebDavFailures}): whether a 403 is the
 * account's or one path's, and whether a 503 is Nextcloud's maintenance mode. Both take one more question to the
 * host.
 */
final class Refusals {
    private final HostDetector detector;
    private final Clock clock;

    Refusals(HostDetector detector, Clock clock) {
        this.detector = detector;
        this.clock = clock;
    }

    /** The refusal {@code r} of the request {@code what} to {@code url}. */
    DeliveryFailure of(DavReply r, HostAttempt a, String url, String what) throws IOException {
        return judge(r.status(), r.reason(), r.retryAfter(), r.maintenance(), a, url, what);
    }

    /**
     * A 403 counts against the account (and pauses the user) only when it is the user's root that is refused, or
     * the root refuses too; a 403 on one path is that path's (Apache's stock refusal of ".ht*" names, a read-only
     * folder) and only its job waits.
     *
     * @param url the URL the refused request named, or null when unknown (a PROPFIND inside Sardine)
     */
    DeliveryFailure judge(int status, String phrase, Optional<String> retryAfter, boolean maintenance, HostAttempt a,
                          String url, String what) throws IOException {
        if (status == 403 && !a.root.equals(url) && !accountRefused(a.dav, a.root)) {
            return WebDavFailures.forbiddenPath(phrase, a.user, what);
        }
        if (status == 503) {
            // Nextcloud 32 answers WebDAV calls in maintenance with a bare 503; status.php says why.
            detector.refresh();
        }
        if (status == 503 && (maintenance || detector.facts().maintenance())) {
            return new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, FailureCode.HOST_MAINTENANCE,
                    "HOST_MAINTENANCE: Nextcloud is in maintenance mode ("
                    + what + ")", null, WebDavFailures.parseRetryAfter(retryAfter.orElse(""), clock));
        }
        return WebDavFailures.forStatus(status, phrase, retryAfter, a.user, what, clock);
    }

    /** Whether the host refuses the user's own root (401 or 403 to a PROPFIND of it): the account, not a path. */
    private static boolean accountRefused(WebDavClient dav, String root) throws IOException {
        try {
            dav.stat(root);
            return false;
        } catch (SardineException e) {
            return e.getStatusCode() == 401 || e.getStatusCode() == 403;
        }
    }
}
