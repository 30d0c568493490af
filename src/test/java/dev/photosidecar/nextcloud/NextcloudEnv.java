package dev.photosidecar.nextcloud;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The real Nextcloud the integration tests run against, from the environment: {@code NEXTCLOUD_URL},
 * {@code NEXTCLOUD_USER} (not an admin) and {@code NEXTCLOUD_PASSWORD} (an app password). Optional:
 * {@code NEXTCLOUD_OCC} (a command that runs occ: maintenance mode, quotas, AppAPI), {@code NEXTCLOUD_LOGIN_PASSWORD}
 * (the user's real password, for Login Flow v2) and {@code NEXTCLOUD_ADMIN_USER}/{@code NEXTCLOUD_ADMIN_PASSWORD}
 * (an admin, for admin-only routes). Without them the tests are skipped, saying so; docs/nextcloud.md lists them.
 */
public record NextcloudEnv(String url, String user, String appPassword, Optional<String> occ, Optional<String> loginPassword) {

    public static NextcloudEnv require() {
        String url = System.getenv("NEXTCLOUD_URL");
        String user = System.getenv("NEXTCLOUD_USER");
        String password = System.getenv("NEXTCLOUD_PASSWORD");
        assumeTrue(url != null && user != null && password != null,
                "Nextcloud integration tests skipped: set NEXTCLOUD_URL, NEXTCLOUD_USER and NEXTCLOUD_PASSWORD (an app "
                        + "password of a user who is not an admin) to run them against a real Nextcloud; docs/nextcloud.md "
                        + "lists every variable, docker/compose.nextcloud.yaml starts one");
        return new NextcloudEnv(url.endsWith("/") ? url : url + "/", user, password,
                Optional.ofNullable(System.getenv("NEXTCLOUD_OCC")), Optional.ofNullable(System.getenv("NEXTCLOUD_LOGIN_PASSWORD")));
    }

    public String filesUrl(String path) {
        return url + "remote.php/dav/files/" + user + "/" + path;
    }

    public String basic() {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + appPassword).getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> dav(String method, String path, String body) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(filesUrl(path)))
                .header("Authorization", basic()).header("Depth", "0")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What {@code occ ARGS} prints, whatever its exit code; the test is skipped without NEXTCLOUD_OCC. */
    String occOutput(String args) throws IOException, InterruptedException {
        assumeTrue(occ.isPresent(), "set NEXTCLOUD_OCC (a command running occ) for this test");
        Process p = new ProcessBuilder("bash", "-c", occ.get() + " " + args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(120, TimeUnit.SECONDS);
        return out;
    }

    /**
     * Basic auth for NEXTCLOUD_ADMIN_USER with NEXTCLOUD_ADMIN_PASSWORD (a password or app password of a member of
     * the admin group), for the admin-only checks; the test is skipped without them.
     */
    static String adminBasic() {
        String user = System.getenv("NEXTCLOUD_ADMIN_USER");
        String password = System.getenv("NEXTCLOUD_ADMIN_PASSWORD");
        assumeTrue(user != null && password != null, "set NEXTCLOUD_ADMIN_USER and NEXTCLOUD_ADMIN_PASSWORD (a Nextcloud admin)");
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The bytes the user's files take now, as Nextcloud counts them against a quota. A new user's skeleton files take
     * about 20 MB, so a quota a test sets must add to this.
     */
    long usedBytes() throws IOException, InterruptedException {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(filesUrl("")))
                .header("Authorization", basic()).header("Depth", "0").header("Content-Type", "application/xml")
                .method("PROPFIND", HttpRequest.BodyPublishers.ofString("<?xml version=\"1.0\"?><d:propfind xmlns:d=\"DAV:\">"
                        + "<d:prop><d:quota-used-bytes/></d:prop></d:propfind>"))
                .build(), HttpResponse.BodyHandlers.ofString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("quota-used-bytes>(\\d+)<").matcher(r.body());
        if (r.statusCode() != 207 || !m.find()) {
            throw new IOException("PROPFIND quota-used-bytes answered " + r.statusCode() + ": " + r.body());
        }
        return Long.parseLong(m.group(1));
    }

    /** Runs {@code occ ARGS} through NEXTCLOUD_OCC; the test is skipped when it is not set. */
    void occ(String args) throws IOException, InterruptedException {
        assumeTrue(occ.isPresent(), "set NEXTCLOUD_OCC (a command running occ) for this test");
        Process p = new ProcessBuilder("bash", "-c", occ.get() + " " + args).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("occ " + args + " failed: " + out);
        }
    }
}
