package dev.photosidecar.delivery.target.webdav;

import java.nio.charset.StandardCharsets;
import java.util.List;

/** Builds request URLs from a base URL and path segments, percent-encoding every segment itself. */
public final class DavPaths {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private DavPaths() {
    }

    /**
     * One segment, with everything but RFC 3986's unreserved characters percent-encoded: spaces, '#',
     * '?', '%', '+' and all of Unicode are safe in photo names that way.
     */
    public static String encodeSegment(String segment) {
        StringBuilder sb = new StringBuilder();
        for (byte b : segment.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return sb.toString();
    }

    /** The user's root: the configured base with {user} filled in. Ends with '/'. */
    public static String userRoot(String baseUrl, String user) {
        String root = baseUrl.replace("{user}", encodeSegment(user));
        return root.endsWith("/") ? root : root + "/";
    }

    /** The host's root URL ending in '/': everything before /remote.php/, or the URL's origin. */
    public static String serverRoot(String baseUrl) {
        int remote = baseUrl.indexOf("/remote.php/");
        if (remote >= 0) {
            return baseUrl.substring(0, remote + 1);
        }
        java.net.URI uri = java.net.URI.create(baseUrl.replace("{user}", "_"));
        return uri.getScheme() + "://" + uri.getRawAuthority() + "/";
    }

    static String folder(String root, List<String> folders) {
        StringBuilder sb = new StringBuilder(root);
        for (String f : folders) {
            sb.append(encodeSegment(f)).append('/');
        }
        return sb.toString();
    }

    static String file(String folderUrl, String name) {
        return folderUrl + encodeSegment(name);
    }

    /** The parent folder URL of a folder URL ("…/a/b/" → "…/a/"). */
    static String parent(String folderUrl) {
        String trimmed = folderUrl.substring(0, folderUrl.length() - 1);
        return trimmed.substring(0, trimmed.lastIndexOf('/') + 1);
    }
}
