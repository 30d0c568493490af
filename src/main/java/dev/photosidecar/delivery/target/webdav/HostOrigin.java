package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.config.WebDavSettings;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import org.apache.http.HttpHost;
import org.apache.http.HttpRequestInterceptor;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.client.protocol.HttpClientContext;
import org.apache.http.impl.client.HttpClientBuilder;

/**
 * The configured host's origin (scheme, host, port): the only place any request of the sidecar goes. Every
 * HTTP client that talks to the host is built here, so that none follows a redirect, keeps cookies, or can
 * send a request (with its Basic credentials or AppAPI headers) to any other origin.
 */
final class HostOrigin {
    private final String scheme;
    private final String host;
    private final int port;

    private HostOrigin(String scheme, String host, int port) {
        this.scheme = scheme;
        this.host = host;
        this.port = port;
    }

    /** The origin of an {@code http(s)} URL; {@code {user}} placeholders are allowed in its path. */
    static HostOrigin of(String url) {
        URI uri = URI.create(url.replace("{user}", "_"));
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http(s) URL with a host: " + WebDavSettings.withoutUserInfo(url));
        }
        return new HostOrigin(scheme, hostName(uri.getHost()), effectivePort(scheme, uri.getPort()));
    }

    /** Host names compare case-insensitively, and an IPv6 literal with or without its brackets. */
    private static String hostName(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    private static int effectivePort(String scheme, int port) {
        return port != -1 ? port : scheme.equals("https") ? 443 : 80;
    }

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    /** Whether {@code uri} is an http(s) URL on this origin, without user info. */
    boolean contains(URI uri) {
        if (uri.getScheme() == null || uri.getHost() == null || uri.getRawUserInfo() != null) {
            return false;
        }
        String s = uri.getScheme().toLowerCase(Locale.ROOT);
        return s.equals(scheme) && hostName(uri.getHost()).equals(host) && effectivePort(s, uri.getPort()) == port;
    }

    boolean contains(HttpHost target) {
        return target != null && target.getSchemeName().equalsIgnoreCase(scheme) && hostName(target.getHostName()).equals(host)
                && effectivePort(target.getSchemeName().toLowerCase(Locale.ROOT), target.getPort()) == port;
    }

    /**
     * A client builder for this host: no redirect is ever followed (a redirect answer fails the request with its
     * own message, {@link HostExchange}), no cookies, no transparent decompression, and an interceptor that
     * refuses, before anything is sent, a request to any other origin.
     */
    HttpClientBuilder clientBuilder(RequestConfig config) {
        return HttpClientBuilder.create()
                .setDefaultRequestConfig(config)
                .disableRedirectHandling()
                .disableContentCompression()
                // No cookies: every request authenticates on its own, and no session is shared between users.
                .disableCookieManagement()
                .setUserAgent("photo-sidecar")
                .addInterceptorFirst((HttpRequestInterceptor) (request, context) -> {
                    HttpHost target = HttpClientContext.adapt(context).getTargetHost();
                    if (!contains(target)) {
                        throw new IOException("refused to send " + request.getRequestLine().getMethod() + " to " + target
                                + ": the sidecar only talks to the configured host " + this);
                    }
                });
    }

    @Override
    public String toString() {
        return scheme + "://" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
