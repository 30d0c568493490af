package dev.photosidecar.cli.doctor;

import java.net.URI;
import java.nio.charset.StandardCharsets;

/**
 * The URLs the WebDAV target uses, worked out the same way (its own helpers are private to the delivery
 * package): a user's root is the configured URL with {@code {user}} percent-encoded in, and the server
 * root is what comes before {@code /remote.php/}, or the URL's origin.
 */
final class DavUrls {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private DavUrls() {
    }

    static String userRoot(String baseUrl, String user) {
        String root = baseUrl.replace("{user}", encodeSegment(user));
        return root.endsWith("/") ? root : root + "/";
    }

    static String serverRoot(String baseUrl) {
        int remote = baseUrl.indexOf("/remote.php/");
        if (remote >= 0) {
            return baseUrl.substring(0, remote + 1);
        }
        URI uri = URI.create(baseUrl.replace("{user}", "_"));
        return uri.getScheme() + "://" + uri.getRawAuthority() + "/";
    }

    /** "…/a/b/" → "…/a/"; the server root stays itself. */
    static String parent(String folderUrl) {
        String trimmed = folderUrl.substring(0, folderUrl.length() - 1);
        int slash = trimmed.lastIndexOf('/');
        return slash <= trimmed.indexOf("//") + 1 ? folderUrl : trimmed.substring(0, slash + 1);
    }

    static String encodeSegment(String segment) {
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
}
