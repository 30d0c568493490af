package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security headers as a client sees them over real HTTP: on the JSON API, and on the admin page. */
@FunctionalTest
class SecurityHeadersTest {
    private static final String ADMIN = "admin-token-for-the-headers-test-0123456789";

    @TempDir
    Path data;
    private TestSidecar sidecar;
    private String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_ADMIN_TOKEN", ADMIN));
        token = sidecar.enroll("alice", "phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    @Test
    void jsonApiAnswersAreNeitherSniffedNorStored() {
        Response created = sidecar.http().put("/v1/uploads/k1", token, Map.of("X-Filename", "IMG_1.JPG"), new byte[] {1, 2, 3});
        Response jobs = sidecar.http().get("/v1/jobs", token);
        Response unauthorized = sidecar.http().get("/v1/jobs", null);
        Response notFound = sidecar.http().get("/v1/nothing-here", token);
        Response health = sidecar.http().get("/healthz", null);
        assertThat(List.of(created.status(), jobs.status(), unauthorized.status(), notFound.status(), health.status()))
                .containsExactly(201, 200, 401, 404, 200);
        for (Response r : List.of(created, jobs, unauthorized, notFound, health)) {
            assertThat(r.header("X-Content-Type-Options")).as("nosniff on %s", r.status()).hasValue("nosniff");
            assertThat(r.header("Cache-Control")).as("no-store on %s", r.status()).hasValue("no-store");
            assertThat(r.header("Content-Type").orElse("")).startsWith("application/json");
        }
    }

    @Test
    void adminPageHasAStrictPolicyWithoutInlineScript() {
        Response login = sidecar.http().get("/admin/login", null);
        Response api = sidecar.http().get("/admin/nothing-here", null);
        assertThat(login.status()).isEqualTo(200);
        for (Response r : List.of(login, api)) {
            String csp = r.header("Content-Security-Policy").orElseThrow(() -> new AssertionError("no CSP on " + r.status()));
            assertThat(csp).contains("default-src").contains("script-src 'self'").contains("frame-ancestors")
                    .doesNotContain("unsafe-inline").doesNotContain("unsafe-eval").doesNotContain("*");
            assertThat(r.header("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.header("Referrer-Policy")).hasValue("no-referrer");
            assertThat(r.header("Cache-Control")).hasValue("no-store");
            assertThat(r.header("X-Frame-Options").orElse("")).isIn("DENY", "SAMEORIGIN");
        }
        // The page itself carries no inline script or handler the policy would block.
        assertThat(login.body()).doesNotContainPattern("<script(?![^>]*\\bsrc=)").doesNotContainPattern("\\son[a-z]+=");
        // The fingerprinted script keeps its long cache (set by its handler after the defaults), and is not sniffed.
        String js = login.body().replaceAll("(?s).*<script src=\"([^\"]+)\".*", "$1").replace("&amp;", "&");
        // Links are relative (the page also lives under Nextcloud's proxy prefix): resolve as a browser would.
        js = java.net.URI.create("http://sidecar.invalid/admin/login").resolve(js).getRawPath() + "?" + js.substring(js.indexOf('?') + 1);
        Response asset = sidecar.http().get(js, null);
        assertThat(asset.status()).as(js).isEqualTo(200);
        assertThat(asset.header("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(asset.header("Cache-Control").orElse("")).contains("max-age");
    }
}
