package dev.photosidecar.cli.doctor;

import dev.photosidecar.delivery.target.webdav.DavPaths;

/**
 * The URLs the WebDAV target uses, from the same helpers ({@link DavPaths}), so that doctor probes exactly
 * what delivery will write to.
 */
final class DavUrls {
    private DavUrls() {
    }

    static String userRoot(String baseUrl, String user) {
        return DavPaths.userRoot(baseUrl, user);
    }

    static String serverRoot(String baseUrl) {
        return DavPaths.serverRoot(baseUrl);
    }

    /** "…/a/b/" → "…/a/"; the server root stays itself. */
    static String parent(String folderUrl) {
        String trimmed = folderUrl.substring(0, folderUrl.length() - 1);
        int slash = trimmed.lastIndexOf('/');
        return slash <= trimmed.indexOf("//") + 1 ? folderUrl : trimmed.substring(0, slash + 1);
    }
}
