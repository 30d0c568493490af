package dev.photosidecar.http.admin;

import static dev.photosidecar.http.admin.Html.ago;
import static dev.photosidecar.http.admin.Html.esc;
import static dev.photosidecar.http.admin.Html.plural;

import dev.photosidecar.config.Units;
import java.time.Instant;
import java.util.List;

/**
 * Renders the admin pages as HTML. Every value that comes from the ledger or a request goes through
 * {@link Html#esc}. {@code admin.js} builds the same markup from {@code status.json} when it refreshes, so
 * the two must change together: each section's body is replaced as a whole.
 */
final class StatusPage {
    /** The states of the live queue, shown large, then the finished (and the unused) ones, shown small. */
    static final List<String> PRIMARY = List.of("pending", "delivering", "succeeded", "failed");
    static final List<String> SECONDARY = List.of("acknowledged", "cancelled", "receiving");

    private final String cssUrl;
    private final String jsUrl;
    private final String iconUrl;

    StatusPage(String cssUrl, String jsUrl, String iconUrl) {
        this.cssUrl = cssUrl;
        this.jsUrl = jsUrl;
        this.iconUrl = iconUrl;
    }

    // ---- the status page ----------------------------------------------------------------------------

    /**
     * The status page, served at {@code /admin} (or at {@code …/proxy/photo_sidecar/admin} through Nextcloud):
     * its links are relative to that, so they start with {@code admin/}.
     *
     * @param signOut whether to offer "Sign out" (not to a Nextcloud admin, whose session is Nextcloud's)
     */
    String render(AdminStatus.View v, String csrf, boolean signOut) {
        Instant now = Instant.parse(v.generatedAt());
        StringBuilder b = new StringBuilder(16 * 1024);
        head(b, "Status", csrf, "admin/");
        b.append("""
                <body class="status">
                <header class="top">
                  <div class="brand"><img src="%s" alt="" width="28" height="28"><div><h1>Photo Upload Sidecar</h1>\
                <p class="sub">Status</p></div></div>
                  <div class="top-right">
                    <p class="refresh" id="refresh"><span id="refresh-text">Updated <time id="generated" datetime="%s" title="%s">%s</time>\
                <span class="every"> · every %d s</span></span></p>
                    %s
                  </div>
                </header>
                <main id="status" data-refresh-seconds="%d">
                """.formatted(esc("admin/" + iconUrl), esc(v.generatedAt()), esc(Html.utc(now)), "just now", v.refreshSeconds(),
                signOut ? "<form method=\"post\" action=\"admin/logout\"><input type=\"hidden\" name=\"csrf\" value=\""
                        + esc(csrf) + "\"><button type=\"submit\" class=\"btn ghost small\">Sign out</button></form>" : "",
                v.refreshSeconds()));
        section(b, "queue", "Queue", "<span class=\"count-total\" data-total>" + plural(v.totalJobs(), "job", "jobs")
                + "</span>", queue(v, now));
        section(b, "health", "Health", "", health(v, now));
        section(b, "failed", "Failed jobs", "<span class=\"badge" + (v.failed().total() > 0 ? " bad" : "")
                + "\" data-failed-total>" + v.failed().total() + "</span>", failed(v, now, csrf));
        section(b, "throughput", "Deliveries", "", charts(v, now));
        section(b, "users", "Users", "", users(v, now));
        section(b, "devices", "Devices", "", devices(v, now));
        b.append("""
                </main>
                <div id="toast" class="toast" role="status" aria-live="polite" hidden></div>
                </body>
                </html>
                """);
        return b.toString();
    }

    /** @param base the way from the page to {@code /admin/}'s children: "admin/" from /admin, "" from /admin/login */
    private void head(StringBuilder b, String title, String csrf, String base) {
        b.append("""
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="color-scheme" content="light dark">
                <meta name="referrer" content="no-referrer">
                """);
        if (csrf != null) {
            b.append("<meta name=\"csrf-token\" content=\"").append(esc(csrf)).append("\">\n");
        }
        b.append("<title>").append(esc(title)).append(" · Photo Upload Sidecar</title>\n")
                .append("<link rel=\"icon\" href=\"").append(esc(base + iconUrl)).append("\" type=\"image/svg+xml\">\n")
                .append("<link rel=\"stylesheet\" href=\"").append(esc(base + cssUrl)).append("\">\n")
                .append("<script src=\"").append(esc(base + jsUrl)).append("\" defer></script>\n")
                .append("</head>\n");
    }

    private static void section(StringBuilder b, String id, String title, String extra, String body) {
        b.append("<section class=\"card card-").append(id).append("\" id=\"").append(id).append("\" aria-labelledby=\"")
                .append(id).append("-title\">\n<h2 id=\"").append(id).append("-title\">").append(esc(title))
                .append(extra.isEmpty() ? "" : " " + extra).append("</h2>\n<div class=\"body\" data-body=\"").append(id)
                .append("\">").append(body).append("</div>\n</section>\n");
    }

    // ---- sections (mirrored in admin.js) --------------------------------------------------------------

    static String health(AdminStatus.View v, Instant now) {
        StringBuilder b = new StringBuilder("<ul class=\"checks\">");
        check(b, "database", "Database", v.health().database().ok(), v.health().database().state(), v.health().database().detail());
        check(b, "spool", "Spool", v.health().spool().ok(), v.health().spool().state(), v.health().spool().detail());
        check(b, "target", "Target", v.health().target().ok(), v.health().target().state(), v.health().target().detail());
        AdminStatus.Breaker br = v.breaker();
        String detail;
        if (br.open()) {
            String when = br.nextProbeAt() == null ? "soon" : Html.hm(Instant.parse(br.nextProbeAt())) + " UTC ("
                    + Html.in(Instant.parse(br.nextProbeAt()), now) + ")";
            detail = "The host is unavailable; deliveries wait without spending attempts. "
                    + (br.reason() == null || br.reason().isEmpty() ? "" : "Reason: " + br.reason() + ". ")
                    + "Next probe " + when + ".";
        } else {
            detail = "Breaker closed: the host answers, deliveries run.";
        }
        check(b, "breaker", "Deliveries", !br.open(), br.open() ? "paused" : "running", detail);
        return b.append("</ul>").toString();
    }

    private static void check(StringBuilder b, String key, String name, boolean ok, String state, String detail) {
        b.append("<li class=\"check ").append(ok ? "ok" : "bad").append("\" data-check=\"").append(key).append("\">")
                .append("<span class=\"dot\" aria-hidden=\"true\"></span><div><div class=\"check-name\">").append(esc(name))
                .append(" <span class=\"state\">").append(esc(state)).append("</span></div><div class=\"detail\">")
                .append(esc(detail)).append("</div></div></li>");
    }

    static String queue(AdminStatus.View v, Instant now) {
        StringBuilder b = new StringBuilder();
        for (List<String> group : List.of(PRIMARY, SECONDARY)) {
            b.append("<div class=\"counts ").append(group == PRIMARY ? "primary" : "secondary").append("\">");
            for (String s : group) {
                long n = v.counts().getOrDefault(s, 0L);
                b.append("<div class=\"count st-").append(s).append(n == 0 ? " zero" : "").append("\"><span class=\"n\" data-count=\"")
                        .append(s).append("\">").append(n).append("</span><span class=\"label\">").append(s).append("</span></div>");
            }
            b.append("</div>");
        }
        AdminStatus.JobItem j = v.oldestPending();
        if (j == null) {
            b.append("<div class=\"oldest none\" data-oldest=\"\"><h3>Oldest pending</h3><p class=\"muted\">Nothing is waiting.</p></div>");
        } else {
            b.append("<div class=\"oldest\" data-oldest=\"").append(esc(j.id())).append("\"><h3>Oldest pending</h3>")
                    .append("<p class=\"job-title\"><span class=\"filename\">").append(esc(j.filename())).append("</span> <span class=\"size\">")
                    .append(esc(Units.formatBytes(j.size()))).append("</span></p><p class=\"job-meta\">").append(esc(j.user()))
                    .append(" · ").append(esc(j.device())).append(" · waiting ").append(time(j.receivedAt(), Html.span(Instant.parse(j.receivedAt()), now)))
                    .append(" · ").append(plural(j.attempts(), "attempt", "attempts"));
            if (j.nextAttemptAt() != null) {
                b.append(" · next ").append(time(j.nextAttemptAt(), Html.in(Instant.parse(j.nextAttemptAt()), now)));
            }
            b.append("</p>");
            if (j.lastError() != null) {
                b.append("<p class=\"job-error\">").append(esc(j.lastError())).append("</p>");
            }
            b.append("</div>");
        }
        return b.toString();
    }

    static String charts(AdminStatus.View v, Instant now) {
        return "<div class=\"charts\">" + chart("hour", "Last hour", "per minute", v.lastHour(), now)
                + chart("day", "Last day", "per hour", v.lastDay(), now) + "</div>";
    }

    static String chart(String key, String title, String per, AdminStatus.Chart c, Instant now) {
        StringBuilder b = new StringBuilder("<figure class=\"chart\" data-chart=\"").append(key).append("\">");
        if (c == null) {
            return b.append("<figcaption><h3>").append(title).append("</h3></figcaption><p class=\"muted\">unavailable</p></figure>")
                    .toString();
        }
        b.append("<figcaption><h3>").append(title).append("</h3><span class=\"total\"><b data-delivered=\"").append(key).append("\">")
                .append(c.jobs()).append("</b> delivered · ").append(esc(Units.formatBytes(c.bytes()))).append("</span></figcaption>");
        int n = c.bars().size();
        double gap = n > 30 ? 0.24 : 0.3;
        b.append("<div class=\"plot\"><span class=\"ymax\">").append(c.max() == 0 ? "" : c.max() + " " + per).append("</span>")
                .append("<svg viewBox=\"0 0 ").append(n).append(" 100\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"")
                .append(esc(title + ": " + c.jobs() + " delivered")).append("\" data-seconds=\"").append(c.bucketSeconds()).append("\">")
                .append("<line class=\"grid\" x1=\"0\" y1=\"0\" x2=\"").append(n).append("\" y2=\"0\" vector-effect=\"non-scaling-stroke\"/>")
                .append("<line class=\"grid\" x1=\"0\" y1=\"50\" x2=\"").append(n).append("\" y2=\"50\" vector-effect=\"non-scaling-stroke\"/>")
                .append("<line class=\"base\" x1=\"0\" y1=\"100\" x2=\"").append(n).append("\" y2=\"100\" vector-effect=\"non-scaling-stroke\"/>");
        for (int i = 0; i < n; i++) {
            AdminStatus.Bar bar = c.bars().get(i);
            if (bar.jobs() == 0) {
                continue;
            }
            double h = Math.max(2.5, 100.0 * bar.jobs() / c.max());
            Instant start = Instant.parse(bar.start());
            b.append("<rect class=\"bar").append(i == n - 1 ? " now" : "").append("\" x=\"").append(fmt(i + gap / 2))
                    .append("\" y=\"").append(fmt(100 - h)).append("\" width=\"").append(fmt(1 - gap)).append("\" height=\"")
                    .append(fmt(h)).append("\" data-start=\"").append(esc(bar.start())).append("\" data-jobs=\"").append(bar.jobs()).append("\" data-bytes=\"").append(bar.bytes())
                    .append("\"><title>").append(esc(Html.hm(start) + "–" + Html.hm(start.plusSeconds(c.bucketSeconds()))
                            + " UTC: " + bar.jobs() + " delivered, " + Units.formatBytes(bar.bytes())
                            + (i == n - 1 ? " (so far)" : ""))).append("</title></rect>");
        }
        b.append("</svg>");
        if (c.jobs() == 0) {
            b.append("<span class=\"nodata\">No deliveries</span>");
        }
        b.append("</div><div class=\"axis\" aria-hidden=\"true\">");
        for (String label : "hour".equals(key) ? List.of("60 min ago", "45", "30", "15", "now") : List.of("24 h ago", "18", "12", "6", "now")) {
            b.append("<span>").append(label).append("</span>");
        }
        return b.append("</div></figure>").toString();
    }

    static String failed(AdminStatus.View v, Instant now, String csrf) {
        List<AdminStatus.JobItem> jobs = v.failed().jobs();
        if (jobs.isEmpty()) {
            return "<p class=\"empty\">No failed jobs.</p>";
        }
        StringBuilder b = new StringBuilder("<ul class=\"jobs\">");
        for (AdminStatus.JobItem j : jobs) {
            b.append("<li class=\"job\" data-job-id=\"").append(esc(j.id())).append("\"><div class=\"job-main\">")
                    .append("<p class=\"job-title\"><span class=\"filename\">").append(esc(j.filename())).append("</span> <span class=\"size\">")
                    .append(esc(Units.formatBytes(j.size()))).append("</span></p><p class=\"job-meta\">").append(esc(j.user()))
                    .append(" · ").append(esc(j.device())).append(" · received ")
                    .append(time(j.receivedAt(), ago(Instant.parse(j.receivedAt()), now))).append(" · ")
                    .append(plural(j.attempts(), "attempt", "attempts")).append(" · <code>").append(esc(j.id())).append("</code></p>");
            if (j.lastError() != null) {
                b.append("<p class=\"job-error\">").append(esc(j.lastError())).append("</p>");
            }
            b.append("</div><div class=\"job-actions\">");
            action(b, j, "retry", "Retry", "btn primary", csrf);
            action(b, j, "cancel", "Cancel", "btn danger", csrf);
            b.append("</div></li>");
        }
        b.append("</ul>");
        if (v.failed().total() > jobs.size()) {
            b.append("<p class=\"muted more\">Showing the newest ").append(jobs.size()).append(" of ").append(v.failed().total())
                    .append(" failed jobs. <code>photo-sidecar jobs retry --failed</code> retries them all.</p>");
        }
        return b.toString();
    }

    private static void action(StringBuilder b, AdminStatus.JobItem j, String action, String label, String css, String csrf) {
        b.append("<form method=\"post\" action=\"admin/jobs/").append(esc(j.id())).append("/").append(action)
                .append("\" class=\"job-action\" data-action=\"").append(action).append("\" data-job=\"").append(esc(j.id()))
                .append("\" data-filename=\"").append(esc(j.filename())).append("\"><input type=\"hidden\" name=\"csrf\" value=\"")
                .append(esc(csrf)).append("\"><button type=\"submit\" class=\"").append(css).append("\">").append(label)
                .append("</button></form>");
    }

    static String users(AdminStatus.View v, Instant now) {
        if (v.users().isEmpty()) {
            return "<p class=\"empty\">No users yet. Enroll a phone with <code>photo-sidecar device add --user USER --name NAME</code>.</p>";
        }
        StringBuilder b = new StringBuilder("<table class=\"rows\"><thead><tr><th>User</th><th class=\"num\">Devices</th>"
                + "<th class=\"num\">Uploads</th><th>Last upload</th><th class=\"num\">Failed</th></tr></thead><tbody>");
        for (AdminStatus.UserRow u : v.users()) {
            b.append("<tr data-user=\"").append(esc(u.user())).append("\"><td data-label=\"User\" class=\"name\">").append(esc(u.user()))
                    .append("</td><td data-label=\"Devices\" class=\"num\">").append(u.devices())
                    .append("</td><td data-label=\"Uploads\" class=\"num\" data-uploads>").append(u.uploads())
                    .append("</td><td data-label=\"Last upload\">").append(lastUpload(u.lastUploadAt(), now))
                    .append("</td><td data-label=\"Failed\" class=\"num").append(u.failed() > 0 ? " bad" : "").append("\" data-failed>")
                    .append(u.failed()).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    static String devices(AdminStatus.View v, Instant now) {
        if (v.devices().isEmpty()) {
            return "<p class=\"empty\">No devices yet.</p>";
        }
        StringBuilder b = new StringBuilder("<table class=\"rows\"><thead><tr><th>Device</th><th>User</th>"
                + "<th class=\"num\">Uploads</th><th>Last upload</th><th class=\"num\">Failed</th></tr></thead><tbody>");
        for (AdminStatus.DeviceRow d : v.devices()) {
            b.append("<tr data-device=\"").append(esc(d.id())).append("\"").append(d.active() ? "" : " class=\"revoked\"")
                    .append("><td data-label=\"Device\" class=\"name\">").append(esc(d.name()))
                    .append(d.active() ? "" : " <span class=\"tag\">revoked</span>")
                    .append("</td><td data-label=\"User\">").append(esc(d.user()))
                    .append("</td><td data-label=\"Uploads\" class=\"num\" data-uploads>").append(d.uploads())
                    .append("</td><td data-label=\"Last upload\">").append(lastUpload(d.lastUploadAt(), now))
                    .append("</td><td data-label=\"Failed\" class=\"num").append(d.failed() > 0 ? " bad" : "").append("\" data-failed>")
                    .append(d.failed()).append("</td></tr>");
        }
        return b.append("</tbody></table>").toString();
    }

    private static String lastUpload(String at, Instant now) {
        return at == null ? "<span class=\"muted\">never</span>" : time(at, ago(Instant.parse(at), now));
    }

    private static String time(String iso, String text) {
        return "<time datetime=\"" + esc(iso) + "\" title=\"" + esc(Html.utc(Instant.parse(iso))) + "\">" + esc(text) + "</time>";
    }

    /** A coordinate with at most two decimals and no trailing zeros, as admin.js writes it. */
    private static String fmt(double d) {
        return java.math.BigDecimal.valueOf(Math.round(d * 100), 2).stripTrailingZeros().toPlainString();
    }

    // ---- the sign-in page -----------------------------------------------------------------------------

    String login(String message) {
        StringBuilder b = new StringBuilder(4096);
        head(b, "Sign in", null, "");
        b.append("""
                <body class="login">
                <main class="login-box">
                  <div class="brand"><img src="%s" alt="" width="36" height="36"><div><h1>Photo Upload Sidecar</h1><p class="sub">Admin sign-in</p></div></div>
                  <form method="post" action="login" class="card">
                    <label for="token">Admin token</label>
                    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus
                           spellcheck="false" autocapitalize="off">
                    %s
                    <button type="submit" class="btn primary wide">Sign in</button>
                    <p class="hint">The token is <code>SIDECAR_ADMIN_TOKEN</code> in the sidecar's configuration.</p>
                  </form>
                </main>
                </body>
                </html>
                """.formatted(esc(iconUrl), message == null ? "" : "<p class=\"error\" role=\"alert\" id=\"login-error\">" + esc(message) + "</p>"));
        return b.toString();
    }
}
