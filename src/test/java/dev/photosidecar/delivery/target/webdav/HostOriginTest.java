package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import java.net.URI;
import org.apache.http.HttpHost;
import org.junit.jupiter.api.Test;

/** What counts as the configured host: scheme, host and port, exactly; user info never. */
@UnitTest
class HostOriginTest {
    @Test
    void theSameOriginIsSchemeHostAndPort() {
        HostOrigin o = HostOrigin.of("https://Cloud.Example/remote.php/dav/files/{user}/");
        assertThat(o.contains(URI.create("https://cloud.example/login/v2/poll"))).isTrue();
        assertThat(o.contains(URI.create("https://cloud.example:443/index.php/login/v2/flow/x"))).isTrue();
        assertThat(o.contains(URI.create("http://cloud.example/login/v2/poll"))).as("another scheme").isFalse();
        assertThat(o.contains(URI.create("https://cloud.example:8443/login/v2/poll"))).as("another port").isFalse();
        assertThat(o.contains(URI.create("https://cloud.example.evil/login"))).as("another host").isFalse();
        assertThat(o.contains(URI.create("https://eve@cloud.example/login"))).as("user info").isFalse();
        assertThat(o.contains(URI.create("javascript:alert(1)"))).isFalse();
        assertThat(o.contains(URI.create("/login/v2/poll"))).as("relative").isFalse();
        assertThat(o.contains(new HttpHost("cloud.example", 443, "https"))).isTrue();
        assertThat(o.contains(new HttpHost("cloud.example", -1, "https"))).isTrue();
        assertThat(o.contains(new HttpHost("cloud.example", 80, "http"))).isFalse();
        assertThat(o.toString()).isEqualTo("https://cloud.example:443");
    }

    @Test
    void ipv6LiteralsMatchWithOrWithoutBrackets() {
        HostOrigin o = HostOrigin.of("http://[::1]:8080/{user}/");
        assertThat(o.contains(URI.create("http://[::1]:8080/x"))).isTrue();
        assertThat(o.contains(new HttpHost("::1", 8080, "http"))).isTrue();
        assertThat(o.toString()).isEqualTo("http://[::1]:8080");
    }

    @Test
    void aPrintedHostUrlCarriesNoUserInfoNorQuery() {
        assertThat(HostExchange.printable("https://eve:pw@evil.example/steal?token=abc#x"))
                .isEqualTo("https://***@evil.example/steal?…");
        assertThat(HostExchange.printable("http://evil.example/a\r\nSet-Cookie: x")).isEqualTo("http://evil.example/a__Set-Cookie: x");
    }
}
