package dev.photosidecar.nextcloud;

import java.io.IOException;
import java.net.CookieManager;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What a person does in the browser during Nextcloud's Login Flow v2, done over HTTP for tests: open the
 * login URL, log in, and press "Grant access". Nextcloud needs the Origin header on its form posts.
 */
final class BrowserLogin {
    private static final Pattern STATE = Pattern.compile("name=\"stateToken\" value=\"([^\"]+)\"");
    private static final Pattern REQUEST_TOKEN = Pattern.compile("data-requesttoken=\"([^\"]+)\"");

    private BrowserLogin() {
    }

    static void grant(String loginUrl, String user, String password) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().cookieHandler(new CookieManager())
                .followRedirects(HttpClient.Redirect.NEVER).build();
        URI login = URI.create(loginUrl);
        String origin = login.getScheme() + "://" + login.getRawAuthority();
        expect(http.send(HttpRequest.newBuilder(login).build(), HttpResponse.BodyHandlers.ofString()), 303);
        String flowPage = expect(http.send(HttpRequest.newBuilder(URI.create(origin + "/index.php/login/v2/flow")).build(),
                HttpResponse.BodyHandlers.ofString()), 200).body();
        String state = find(STATE, flowPage);
        String grantPath = "/index.php/login/v2/grant?stateToken=" + state + "&user=&direct=0";
        HttpResponse<String> loggedIn = http.send(form(origin + "/index.php/login", origin, Map.of(
                "user", user, "password", password, "requesttoken", find(REQUEST_TOKEN, flowPage),
                "redirect_url", grantPath, "timezone", "UTC", "timezone_offset", "0")), HttpResponse.BodyHandlers.ofString());
        expect(loggedIn, 303);
        String grantPage = expect(http.send(HttpRequest.newBuilder(URI.create(origin + grantPath)).build(),
                HttpResponse.BodyHandlers.ofString()), 200).body();
        HttpResponse<String> granted = http.send(form(origin + "/index.php/login/v2/grant", origin, Map.of(
                "stateToken", state, "requesttoken", find(REQUEST_TOKEN, grantPage))), HttpResponse.BodyHandlers.ofString());
        expect(granted, 200);
    }

    private static HttpRequest form(String url, String origin, Map<String, String> fields) {
        String body = fields.entrySet().stream()
                .map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return HttpRequest.newBuilder(URI.create(url)).header("Origin", origin)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static HttpResponse<String> expect(HttpResponse<String> r, int status) throws IOException {
        if (r.statusCode() != status) {
            throw new IOException(r.request().method() + " " + r.uri() + " answered " + r.statusCode() + ", expected " + status);
        }
        return r;
    }

    private static String find(Pattern p, String page) throws IOException {
        Matcher m = p.matcher(page);
        if (!m.find()) {
            throw new IOException("the login page lacks " + p.pattern());
        }
        return m.group(1);
    }
}
