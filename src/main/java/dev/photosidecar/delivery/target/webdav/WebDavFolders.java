package dev.photosidecar.delivery.target.webdav;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.FailureCode;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * Creates the destination folders on the host one level at a time (MKCOL) and remembers the ones that exist, so
 * that most deliveries send none. The host saying a parent is missing (409) makes it forget and create again,
 * the user's root included.
 */
final class WebDavFolders {
    private final Refusals refusals;
    private final Cache<String, Boolean> known = Caffeine.newBuilder()
            .maximumSize(20_000).expireAfterWrite(Duration.ofHours(1)).build();

    WebDavFolders(Refusals refusals) {
        this.refusals = refusals;
    }

    /** Makes sure every folder of {@code folders} exists under the attempt's user root. */
    void ensure(HostAttempt a, List<String> folders) throws IOException, DeliveryFailure {
        for (int tries = 0; tries < 2; tries++) {
            if (createMissing(a, folders)) {
                return;
            }
            // A parent is missing: perhaps the user's root itself (a fresh account folder). Create it, then again.
            DavReply rootReply = a.dav.mkcol(a.root);
            if (!rootReply.isSuccess() && rootReply.status() != 405 && !madeMeanwhile(a.dav, a.root, rootReply)) {
                throw refusals.of(rootReply, a, a.root, "MKCOL " + a.root);
            }
            forget(a.root);
        }
        throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.FOLDER_FAILED,
                "FOLDER_FAILED: the host keeps saying a parent folder is missing");
    }

    /** Forgets {@code url} and every known folder above it. */
    void forget(String url) {
        known.asMap().keySet().removeIf(url::startsWith);
    }

    /** False when the host says a parent is missing (409): what we remembered was stale, or the root is missing. */
    private boolean createMissing(HostAttempt a, List<String> folders) throws IOException, DeliveryFailure {
        String url = a.root;
        for (String f : folders) {
            url = url + DavPaths.encodeSegment(f) + "/";
            if (known.getIfPresent(url) != null) {
                continue;
            }
            DavReply r = a.dav.mkcol(url);
            if (r.isSuccess() || r.status() == 405 || madeMeanwhile(a.dav, url, r)) {
                known.put(url, Boolean.TRUE);
            } else if (r.status() == 409) {
                forget(url);
                return false;
            } else {
                throw refusals.of(r, a, url, "MKCOL " + f);
            }
        }
        return true;
    }

    /**
     * Whether a MKCOL refused with 403 lost a race rather than a permission: Apache's mod_dav_fs answers 403
     * ("File exists: Unable to create collection") when another request created the folder between its
     * check and its mkdir. Two workers delivering into the same new folder do exactly that, and a 403 taken
     * for rejected credentials would pause the user's deliveries for ten minutes. Found by the long crash
     * loop against Apache, where every restart forgets the known folders.
     */
    private static boolean madeMeanwhile(WebDavClient dav, String url, DavReply refused) throws IOException {
        if (refused.status() != 403) {
            return false;
        }
        try {
            return dav.stat(url).map(DavStat::folder).orElse(false);
        } catch (IOException e) {
            return false; // the PROPFIND was refused too: the 403 stands
        }
    }
}
