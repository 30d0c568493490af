package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.delivery.DeliveryRequest;
import dev.photosidecar.ledger.Job;

/**
 * One delivery attempt as the host sees it: the client and user it runs as, the user's root and the destination
 * folder, the request under way (named in every failure message) and the temporary file this attempt may have
 * created on the host, which is removed if the attempt fails. Confined to the worker's thread.
 */
final class HostAttempt {
    final DeliveryRequest request;
    final Job job;
    final WebDavClient dav;
    final String user;
    /** The user's root collection, e.g. {@code https://cloud/remote.php/dav/files/alice/}. */
    final String root;
    /** The destination folder under the root. */
    final String folder;
    /** The request under way ("PUT IMG_1.HEIC", "MOVE to IMG_1 (1).HEIC"). */
    String step;
    /** The temporary file this attempt may have left on the host, or null. */
    String ours;

    HostAttempt(DeliveryRequest request, WebDavClient dav, String baseUrl) {
        this.request = request;
        this.job = request.job();
        this.dav = dav;
        this.user = job.userId();
        this.root = DavPaths.userRoot(baseUrl, user);
        this.folder = DavPaths.folder(root, request.folders());
        this.step = "PUT " + request.fileName();
    }
}
