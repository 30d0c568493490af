package dev.photosidecar.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * How to reach a WebDAV host: the base URL of a user's files (which may contain {@code {user}}), an
 * optional account shared by all users, and the client's timeouts.
 */
public record WebDavSettings(String baseUrl, Optional<String> user, Optional<String> password,
                             Duration connectTimeout, Duration socketTimeout, long chunkThreshold, long chunkSize) {

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
