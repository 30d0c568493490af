package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.nio.charset.StandardCharsets;
import org.apache.http.HttpHost;
import org.apache.http.auth.AuthScheme;
import org.apache.http.auth.UsernamePasswordCredentials;
import org.apache.http.client.methods.HttpGet;
import org.apache.http.impl.auth.BasicScheme;
import org.apache.http.impl.client.BasicAuthCache;
import org.apache.http.message.BasicHeader;
import org.junit.jupiter.api.Test;

/** The cache hands out what HttpClient's BasicAuthCache handed out, without serialising the Basic scheme. */
@UnitTest
class PreemptiveBasicCacheTest {
    private static final HttpHost HOST = new HttpHost("cloud.example", 443, "https");

    @Test
    void eachRequestGetsItsOwnCopyOfTheSchemeWithItsCharset() throws Exception {
        PreemptiveBasicCache cache = new PreemptiveBasicCache();
        cache.put(HOST, new BasicScheme(StandardCharsets.ISO_8859_1));
        AuthScheme one = cache.get(HOST);
        AuthScheme two = cache.get(HOST);
        assertThat(one).isInstanceOf(BasicScheme.class).isNotSameAs(two);
        assertThat(((BasicScheme) one).getCredentialsCharset()).isEqualTo(StandardCharsets.ISO_8859_1);
        assertThat(one.isComplete()).isFalse();
        // The header it makes is the one BasicAuthCache's copy makes.
        BasicAuthCache reference = new BasicAuthCache();
        reference.put(HOST, new BasicScheme(StandardCharsets.ISO_8859_1));
        UsernamePasswordCredentials creds = new UsernamePasswordCredentials("zoë", "pässword");
        assertThat(((BasicScheme) one).authenticate(creds, new HttpGet("/"), null).getValue())
                .isEqualTo(((BasicScheme) reference.get(HOST)).authenticate(creds, new HttpGet("/"), null).getValue());
    }

    @Test
    void aHostWithoutItsPortIsTheSameHostAsWithItsSchemesDefault() {
        PreemptiveBasicCache cache = new PreemptiveBasicCache();
        cache.put(new HttpHost("cloud.example", -1, "https"), new BasicScheme());
        assertThat(cache.get(HOST)).isNotNull();
        assertThat(cache.get(new HttpHost("cloud.example", 8443, "https"))).isNull();
        assertThat(cache.get(new HttpHost("cloud.example", 443, "http"))).isNull();
    }

    @Test
    void aSchemeThatSawAChallengeIsKeptAsItIsAndRemovingForgetsBoth() throws Exception {
        PreemptiveBasicCache cache = new PreemptiveBasicCache();
        cache.put(HOST, new BasicScheme());
        BasicScheme challenged = new BasicScheme();
        challenged.processChallenge(new BasicHeader("WWW-Authenticate", "Basic realm=\"webdav\""));
        cache.put(HOST, challenged);
        AuthScheme copy = cache.get(HOST);
        assertThat(copy.isComplete()).isTrue();
        assertThat(copy.getRealm()).isEqualTo("webdav");
        cache.remove(HOST);
        assertThat(cache.get(HOST)).isNull();
        cache.put(HOST, new BasicScheme());
        cache.clear();
        assertThat(cache.get(HOST)).isNull();
    }
}
