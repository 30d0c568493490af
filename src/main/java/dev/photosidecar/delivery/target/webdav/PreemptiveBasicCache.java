package dev.photosidecar.delivery.target.webdav;

import java.nio.charset.Charset;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScheme;
import org.apache.http.impl.auth.BasicScheme;
import org.apache.http.impl.client.BasicAuthCache;

/**
 * HttpClient's auth cache, without its cost per request for the one scheme every delivery uses. The preemptive
 * Basic scheme Sardine puts in is kept as its charset and handed out as a new {@code BasicScheme} per request;
 * HttpClient's own {@link BasicAuthCache} serialises each scheme it is given and deserialises a copy on every
 * request ({@code ObjectInputStream}, reflection), a visible share of a delivery's CPU (docs/performance.md,
 * issue 17). The copy is the same either way: a Basic scheme that never saw a challenge holds nothing but its
 * charset. Any other scheme, or one that did see a challenge, is left to {@link BasicAuthCache} as before, and
 * so are the keys (a host without a port is the same as one with its scheme's default port).
 */
final class PreemptiveBasicCache extends BasicAuthCache {
    private final Map<HttpHost, Charset> basic = new ConcurrentHashMap<>();

    @Override
    public void put(HttpHost host, AuthScheme scheme) {
        if (host != null && scheme != null && scheme.getClass() == BasicScheme.class && !scheme.isComplete()) {
            super.remove(host);
            basic.put(getKey(host), ((BasicScheme) scheme).getCredentialsCharset());
            return;
        }
        if (host != null) {
            basic.remove(getKey(host));
        }
        super.put(host, scheme);
    }

    @Override
    public AuthScheme get(HttpHost host) {
        Charset charset = host == null ? null : basic.get(getKey(host));
        return charset != null ? new BasicScheme(charset) : super.get(host);
    }

    @Override
    public void remove(HttpHost host) {
        if (host != null) {
            basic.remove(getKey(host));
        }
        super.remove(host);
    }

    @Override
    public void clear() {
        basic.clear();
        super.clear();
    }
}
