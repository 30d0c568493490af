package dev.photosidecar.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * How to reach a WebDAV host: the base URL of a user's files (which may contain {@code {user}}), an
 * optional account shared by all users, and the client's timeouts.
 *
 * @param deadline the longest one exchange with the host may take (a delivery attempt, a probe), on top of
 *                 the time its file may take at {@code minRate}
 * @param minRate  the slowest transfer, in bytes per second, a big file is allowed
 */
public record WebDavSettings(String baseUrl, Optional<String> user, Optional<String> password,
                             Duration connectTimeout, Duration socketTimeout, long chunkThreshold, long chunkSize,
                             Duration deadline, long minRate) {
    private static final java.util.regex.Pattern USER_INFO = java.util.regex.Pattern.compile("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@");

    /** Whether {@code url} carries a user name or password ({@code http://user:password@host/}). */
    public static boolean hasUserInfo(String url) {
        return USER_INFO.matcher(url.trim()).find();
    }

    /** {@code url} with any user name and password replaced by "***": the only form in which such a URL is ever printed. */
    public static String withoutUserInfo(String url) {
        return USER_INFO.matcher(url).replaceFirst("$1***@");
    }

    static String checkUrl(String text) {
        String url = text.trim();
        URI uri;
        try {
            uri = new URI(url.replace("{user}", "user"));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("must be an http:// or https:// URL with a host");
        }
        if (hasUserInfo(url)) {
            throw new IllegalArgumentException("must not carry a user name or password");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw new IllegalArgumentException("must not have a query or fragment");
        }
        return url.endsWith("/") ? url : url + "/";
    }

    @Override
    public String toString() {
        return "WebDavSettings[" + baseUrl + ", user=" + user.orElse("(per user)") + ", password="
                + (password.isPresent() ? "(set)" : "(none)") + "]";
    }
}
