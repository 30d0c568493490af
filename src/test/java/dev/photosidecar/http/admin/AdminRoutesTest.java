package dev.photosidecar.http.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.TestSidecar;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin page's HTTP side against the real server: sign-in, sessions, CSRF, the JSON feed and the job actions. */
@FunctionalTest
class AdminRoutesTest {
    static final String ADMIN = "s3cret-admin-token";
    static final String FORM = "application/x-www-form-urlencoded";
    static final Pattern CSRF = Pattern.compile("<meta name=\"csrf-token\" content=\"([^\"]+)\">");

    @TempDir
    Path data;

    TestSidecar sidecar;

    @AfterEach
    void stop() {
        if (sidecar != null) {
            sidecar.close();
        }
    }

    private Http http() {
        return sidecar.http();
    }

    private void start(Map<String, String> env) {
        Map<String, String> all = new HashMap<>(Map.of("SIDECAR_ADMIN_TOKEN", ADMIN));
        all.putAll(env);
        sidecar = TestSidecar.start(data, all);
    }

    private Response form(String path, String cookie, String body) {
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", FORM));
        if (cookie != null) {
            headers.put("Cookie", cookie);
        }
        return http().send("POST", path, null, headers, body.getBytes(StandardCharsets.UTF_8));
    }

    private Response withCookie(String method, String path, String cookie, Map<String, String> more) {
        Map<String, String> headers = new HashMap<>(more);
        headers.put("Cookie", cookie);
        return http().send(method, path, null, headers, null);
    }

    /**
     * Where a redirect from {@code requestPath} leads. The Location must be relative (the same page is served
     * under Nextcloud's proxy prefix), so it is resolved here the way a browser does.
     */
    static String redirectTarget(String requestPath, Response r) {
        String location = r.header("Location").orElseThrow();
        assertThat(location).as("a relative Location").doesNotStartWith("/").doesNotContain("://");
        return java.net.URI.create("http://sidecar.invalid" + requestPath).resolve(location).getPath();
    }

    /** Signs in and returns the Cookie header value to send back. */
    private String signIn() {
        Response r = form("/admin/login", null, "token=" + URLEncoder.encode(ADMIN, StandardCharsets.UTF_8));
        assertThat(r.status()).isEqualTo(303);
        assertThat(redirectTarget("/admin/login", r)).isEqualTo("/admin");
        String setCookie = r.header("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private String csrf(String cookie) {
        Response page = withCookie("GET", "/admin", cookie, Map.of());
        assertThat(page.status()).isEqualTo(200);
        Matcher m = CSRF.matcher(page.body());
        assertThat(m.find()).as("the page carries its CSRF token").isTrue();
        return m.group(1);
    }

    private String upload(String token, String key, String created) {
        Response r = http().put("/v1/uploads/" + key, token, Map.of("X-Filename", key + ".jpg", "X-Created-At", created),
                Files2.randomBytes(key.hashCode(), 2000));
        assertThat(r.status()).isEqualTo(201);
        return r.json().path("id").asText();
    }

    private void awaitState(String token, String id, String state) {
        await().atMost(Duration.ofSeconds(20)).until(() -> http().get("/v1/jobs/" + id, token).json().path("state").asText()
                .equals(state));
    }

    @Test
    void withoutAnAdminTokenThePageDoesNotExistAndSaysHowToTurnItOn() {
        sidecar = TestSidecar.start(data, Map.of());
        for (String path : new String[] {"/admin", "/admin/login", "/admin/status.json", "/admin/assets/admin.css"}) {
            Response r = http().get(path, null);
            assertThat(r.status()).as(path).isEqualTo(404);
            assertThat(r.errorCode()).isEqualTo("NOT_FOUND");
            assertThat(r.json().path("error").path("message").asText()).contains("SIDECAR_ADMIN_TOKEN");
        }
        assertThat(http().get("/admin/status.json", ADMIN).status()).isEqualTo(404);
        assertThat(form("/admin/login", null, "token=" + ADMIN).status()).isEqualTo(404);
    }

    @Test
    void thePageNeedsASessionAndTheSignInSetsAStrictHttpOnlyCookie() {
        start(Map.of());
        Response page = http().get("/admin", null);
        assertThat(page.status()).isEqualTo(303);
        assertThat(redirectTarget("/admin", page)).isEqualTo("/admin/login");

        Response login = http().get("/admin/login", null);
        assertThat(login.status()).isEqualTo(200);
        assertThat(login.header("Content-Type").orElseThrow()).startsWith("text/html");
        assertThat(login.header("Content-Security-Policy").orElseThrow()).contains("default-src 'none'").contains("script-src 'self'");
        assertThat(login.body()).contains("name=\"token\"").doesNotContain("http://").doesNotContain("https://");

        Response wrong = form("/admin/login", null, "token=nope");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.header("Set-Cookie")).isEmpty();
        assertThat(wrong.body()).contains("not the admin token");
        assertThat(form("/admin/login", null, "").status()).as("no token at all").isEqualTo(401);

        Response ok = form("/admin/login", null, "token=" + URLEncoder.encode(ADMIN, StandardCharsets.UTF_8));
        assertThat(ok.status()).isEqualTo(303);
        assertThat(redirectTarget("/admin/login", ok)).isEqualTo("/admin");
        String setCookie = ok.header("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(AdminAuth.COOKIE + "=").contains("HttpOnly").contains("SameSite=Strict")
                .contains("Path=/admin").doesNotContain(ADMIN).doesNotContain("Secure");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        Response shown = withCookie("GET", "/admin", cookie, Map.of());
        assertThat(shown.status()).isEqualTo(200);
        assertThat(shown.header("Cache-Control")).hasValue("no-store");
        assertThat(shown.header("X-Frame-Options")).hasValue("DENY");
        assertThat(shown.body()).contains("<h1>Photo Upload Sidecar</h1>").contains("data-count=\"pending\"")
                .doesNotContain("http://").doesNotContain("https://cdn");
        assertThat(withCookie("GET", "/admin/login", cookie, Map.of()).status()).as("signed in already").isEqualTo(303);

        Response https = http().send("POST", "/admin/login", null, Map.of("Content-Type", FORM, "X-Forwarded-Proto", "https"),
                ("token=" + ADMIN).getBytes(StandardCharsets.UTF_8));
        assertThat(https.header("Set-Cookie").orElseThrow()).as("behind a TLS proxy").contains("; Secure");
    }

    @Test
    void aTamperedOrUnknownCookieIsSentBackToTheSignIn() {
        start(Map.of());
        String cookie = signIn();
        String value = cookie.substring(cookie.indexOf('=') + 1);
        int dot = value.indexOf('.');
        String tamperedMac = AdminAuth.COOKIE + "=" + value.substring(0, dot + 5) + (value.charAt(dot + 5) == 'A' ? 'B' : 'A')
                + value.substring(dot + 6);
        String tamperedId = AdminAuth.COOKIE + "=" + (value.charAt(0) == 'A' ? 'B' : 'A') + value.substring(1);
        String noMac = AdminAuth.COOKIE + "=" + value.substring(0, dot);

        for (String bad : new String[] {tamperedMac, tamperedId, noMac, AdminAuth.COOKIE + "=", AdminAuth.COOKIE + "=abc.def"}) {
            Response r = withCookie("GET", "/admin", bad, Map.of());
            assertThat(r.status()).as(bad).isEqualTo(303);
            assertThat(redirectTarget("/admin", r)).isEqualTo("/admin/login");
            Response json = withCookie("GET", "/admin/status.json", bad, Map.of());
            assertThat(json.status()).isEqualTo(401);
            assertThat(json.errorCode()).isEqualTo("UNAUTHORIZED");
        }
        assertThat(withCookie("GET", "/admin", cookie, Map.of()).status()).as("the real cookie").isEqualTo(200);
    }

    @Test
    void statusJsonTakesTheSessionOrTheBearerAdminTokenAndNothingElse() {
        start(Map.of());
        String device = sidecar.enroll("alice", "phone");
        String id = upload(device, "one", "2024-05-01T10:00:00Z");
        awaitState(device, id, "succeeded");

        assertThat(http().get("/admin/status.json", null).status()).isEqualTo(401);
        Response wrong = http().get("/admin/status.json", "nope");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.errorCode()).isEqualTo("UNAUTHORIZED");
        assertThat(http().get("/admin/status.json", device).status()).as("a device token is not the admin token").isEqualTo(401);

        Response bearer = http().get("/admin/status.json", ADMIN);
        assertThat(bearer.status()).isEqualTo(200);
        JsonNode s = bearer.json();
        assertThat(s.path("counts").path("succeeded").asLong()).isEqualTo(1);
        assertThat(s.path("counts").size()).isEqualTo(7);
        assertThat(s.path("totalJobs").asLong()).isEqualTo(1);
        assertThat(s.path("health").path("database").path("ok").asBoolean()).isTrue();
        assertThat(s.path("health").path("spool").path("ok").asBoolean()).isTrue();
        assertThat(s.path("health").path("target").path("detail").asText()).startsWith("local: ");
        assertThat(s.path("breaker").path("open").asBoolean()).isFalse();
        assertThat(s.path("lastHour").path("bars").size()).isEqualTo(60);
        assertThat(s.path("lastHour").path("jobs").asLong()).isEqualTo(1);
        assertThat(s.path("lastDay").path("bars").size()).isEqualTo(24);
        assertThat(s.path("devices").get(0).path("uploads").asLong()).isEqualTo(1);
        assertThat(s.path("users").get(0).path("user").asText()).isEqualTo("alice");
        assertThat(s.path("oldestPending").isNull()).isTrue();

        Response session = withCookie("GET", "/admin/status.json", signIn(), Map.of());
        assertThat(session.status()).isEqualTo(200);
        assertThat(session.json().path("counts")).isEqualTo(s.path("counts"));
    }

    @Test
    void retryAndCancelWorkOnAnyDevicesJobWithTheBearerTokenOrSessionPlusCsrf() throws Exception {
        start(Map.of("SIDECAR_MAX_ATTEMPTS", "1"));
        String alice = sidecar.enroll("alice", "phone");
        // A file where the 2023 folder must go: deliveries of photos taken in 2023 fail, 2024 works.
        Path blocked = sidecar.library("alice").resolve("Photos").resolve("2023");
        Files.createDirectories(blocked.getParent());
        Files.writeString(blocked, "not a folder");
        String a = upload(alice, "a", "2023-06-01T10:00:00Z");
        String b = upload(alice, "b", "2023-06-02T10:00:00Z");
        String c = upload(alice, "c", "2023-06-03T10:00:00Z");
        String ok = upload(alice, "ok", "2024-06-03T10:00:00Z");
        awaitState(alice, a, "failed");
        awaitState(alice, b, "failed");
        awaitState(alice, c, "failed");
        awaitState(alice, ok, "succeeded");

        String cookie = signIn();
        String csrf = csrf(cookie);

        // Without the CSRF token a session cannot change anything, and without a session nobody can.
        Response noCsrf = withCookie("POST", "/admin/jobs/" + a + "/retry", cookie, Map.of());
        assertThat(noCsrf.status()).isEqualTo(401);
        assertThat(noCsrf.json().path("error").path("message").asText()).contains("CSRF");
        assertThat(withCookie("POST", "/admin/jobs/" + a + "/retry", cookie, Map.of(AdminAuth.CSRF_HEADER, csrf + "x")).status())
                .isEqualTo(401);
        assertThat(http().send("POST", "/admin/jobs/" + a + "/retry", null, Map.of(AdminAuth.CSRF_HEADER, csrf), null).status())
                .as("a CSRF token without its session").isEqualTo(401);
        assertThat(http().post("/admin/jobs/" + a + "/retry", alice, null).status()).as("a device token").isEqualTo(401);
        assertThat(http().get("/v1/jobs/" + a, alice).json().path("state").asText()).isEqualTo("failed");

        Response unknown = http().post("/admin/jobs/aaaaaaaaaaaaaaaaaaaaaaaaaa/retry", ADMIN, null);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.errorCode()).isEqualTo("JOB_NOT_FOUND");
        assertThat(http().post("/admin/jobs/..%2F/retry", ADMIN, null).status()).isIn(400, 404);
        Response notFailed = http().post("/admin/jobs/" + ok + "/retry", ADMIN, null);
        assertThat(notFailed.status()).isEqualTo(409);
        assertThat(notFailed.errorCode()).isEqualTo("INVALID_STATE");
        assertThat(http().get("/admin/jobs/" + a + "/retry", ADMIN).status()).isEqualTo(405);

        Files.delete(blocked);
        // The page's script: session cookie + X-CSRF-Token, answered with JSON.
        Response retried = withCookie("POST", "/admin/jobs/" + a + "/retry", cookie,
                Map.of(AdminAuth.CSRF_HEADER, csrf, "Accept", "application/json"));
        assertThat(retried.status()).isEqualTo(200);
        assertThat(retried.json().path("state").asText()).isEqualTo("pending");
        awaitState(alice, a, "succeeded");

        // A plain form post (no script): csrf field, answered with 303 back to the page.
        Response viaForm = form("/admin/jobs/" + b + "/retry", cookie, "csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8));
        assertThat(viaForm.status()).isEqualTo(303);
        assertThat(redirectTarget("/admin/jobs/" + b + "/retry", viaForm)).isEqualTo("/admin");
        awaitState(alice, b, "succeeded");

        // Cancel with the bearer admin token: the spool copy goes too.
        assertThat(data.resolve("spool/ready/" + c)).exists();
        Response cancelled = http().post("/admin/jobs/" + c + "/cancel", ADMIN, null);
        assertThat(cancelled.status()).isEqualTo(200);
        assertThat(cancelled.json().path("state").asText()).isEqualTo("cancelled");
        assertThat(http().get("/v1/jobs/" + c, alice).json().path("state").asText()).isEqualTo("cancelled");
        assertThat(data.resolve("spool/ready/" + c)).doesNotExist();
        assertThat(http().post("/admin/jobs/" + c + "/cancel", ADMIN, null).errorCode()).isEqualTo("INVALID_STATE");
    }

    @Test
    void signingOutEndsTheSessionButOnlyFromThePage() {
        start(Map.of());
        String cookie = signIn();
        String csrf = csrf(cookie);

        Response forged = form("/admin/logout", cookie, "csrf=forged");
        assertThat(forged.status()).isEqualTo(303);
        assertThat(withCookie("GET", "/admin", cookie, Map.of()).status()).as("a forged sign-out changes nothing").isEqualTo(200);

        Response out = form("/admin/logout", cookie, "csrf=" + URLEncoder.encode(csrf, StandardCharsets.UTF_8));
        assertThat(out.status()).isEqualTo(303);
        assertThat(redirectTarget("/admin/logout", out)).isEqualTo("/admin/login");
        assertThat(out.header("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(withCookie("GET", "/admin", cookie, Map.of()).status()).isEqualTo(303);
    }

    @Test
    void everyValueIsEscaped() {
        start(Map.of());
        String token = sidecar.enroll("mallory", "<script>alert(1)</script> & 'quotes\"");
        Response r = http().put("/v1/uploads/x", token, Map.of("X-Filename", "%3Cimg%20src%3Dx%20onerror%3Dalert(2)%3E.jpg"),
                Files2.randomBytes(1, 10));
        assertThat(r.status()).isEqualTo(201);
        String page = withCookie("GET", "/admin", signIn(), Map.of()).body();
        assertThat(page).doesNotContain("<script>alert").doesNotContain("<img src=x")
                .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#39;quotes&quot;");
    }

    @Test
    void theAssetsAreServedFromTheClassPathWithTheirTypesAndValidators() {
        start(Map.of());
        Response css = http().get("/admin/assets/admin.css", null);
        assertThat(css.status()).isEqualTo(200);
        assertThat(css.header("Content-Type").orElseThrow()).startsWith("text/css");
        assertThat(css.body()).contains("prefers-color-scheme: dark").doesNotContain("url(http").doesNotContain("@import");
        Response js = http().get("/admin/assets/admin.js", null);
        assertThat(js.header("Content-Type").orElseThrow()).startsWith("text/javascript");
        assertThat(js.body()).doesNotContain("innerHTML").doesNotContain("eval(").doesNotContain("https://");
        assertThat(http().get("/admin/assets/icon.svg", null).header("Content-Type").orElseThrow()).startsWith("image/svg+xml");
        String etag = css.header("ETag").orElseThrow();
        assertThat(http().send("GET", "/admin/assets/admin.css", null, Map.of("If-None-Match", etag), null).status()).isEqualTo(304);
        assertThat(http().get("/admin/assets/nope.js", null).status()).isEqualTo(404);
        assertThat(http().get("/admin/assets/..%2Fadmin.css", null).status()).isIn(400, 404);
    }

    @Test
    void tooManyWrongTokensAreAnsweredWith429() {
        start(Map.of());
        for (int i = 0; i < AdminAuth.LOGIN_LIMIT; i++) {
            assertThat(form("/admin/login", null, "token=guess" + i).status()).isEqualTo(401);
        }
        Response blocked = form("/admin/login", null, "token=" + ADMIN);
        assertThat(blocked.status()).isEqualTo(429);
        assertThat(blocked.header("Retry-After")).hasValue("900");
        assertThat(blocked.body()).contains("Too many wrong tokens");
        assertThat(http().get("/admin/status.json", ADMIN).status()).as("the bearer token is not rate-limited").isEqualTo(200);
    }

    @Test
    void aSignOutWithoutTheCsrfTokenIsRefusedAndLeavesBothSessionAndCookieAlone() {
        start(Map.of());
        String cookie = signIn();

        // A page elsewhere can make the browser post this form, but cannot know the token.
        for (String body : new String[] {"", "csrf=", "csrf=forged"}) {
            Response forged = form("/admin/logout", cookie, body);
            assertThat(forged.status()).as("form '%s'", body).isEqualTo(303);
            assertThat(redirectTarget("/admin/logout", forged)).as("back to the page, still signed in").isEqualTo("/admin");
            assertThat(forged.header("Set-Cookie")).as("the browser's cookie is not cleared").isEmpty();
        }
        // A script's sign-out (fetch, no form) without the token: a JSON refusal.
        Response fetched = withCookie("POST", "/admin/logout", cookie, Map.of());
        assertThat(fetched.status()).isEqualTo(401);
        assertThat(fetched.errorCode()).isEqualTo("UNAUTHORIZED");
        assertThat(fetched.header("Set-Cookie")).isEmpty();
        Response wrongHeader = withCookie("POST", "/admin/logout", cookie, Map.of(AdminAuth.CSRF_HEADER, "forged"));
        assertThat(wrongHeader.status()).isEqualTo(401);
        assertThat(withCookie("GET", "/admin", cookie, Map.of()).status()).as("the session lives on").isEqualTo(200);

        Response out = withCookie("POST", "/admin/logout", cookie, Map.of(AdminAuth.CSRF_HEADER, csrf(cookie)));
        assertThat(out.status()).isEqualTo(303);
        assertThat(out.header("Set-Cookie").orElseThrow()).contains("Max-Age=0");
        assertThat(withCookie("GET", "/admin", cookie, Map.of()).status()).isEqualTo(303);
    }

    @Test
    void sixtyWrongAdminTokensAtOnceGetExactlyTheLimitOfComparisons() throws Exception {
        start(Map.of());
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        java.util.List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            sent.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + sidecar.port() + "/admin/login"))
                    .header("Content-Type", FORM).POST(java.net.http.HttpRequest.BodyPublishers.ofString("token=guess-" + i))
                    .build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
        }
        Map<Integer, Integer> statuses = new java.util.TreeMap<>();
        sent.forEach(f -> statuses.merge(f.join().statusCode(), 1, Integer::sum));
        System.out.println("60 wrong admin tokens at once: " + statuses);
        assertThat(statuses).containsExactlyInAnyOrderEntriesOf(Map.of(401, AdminAuth.LOGIN_LIMIT, 429, 60 - AdminAuth.LOGIN_LIMIT));
        assertThat(form("/admin/login", null, "token=" + ADMIN).status()).as("the right token waits too").isEqualTo(429);
    }
}
