package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.ledger.Ledger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A WebDAV or Nextcloud target: the host answers at its root, its clock agrees with ours, and every way the
 * sidecar signs in opens the user's folder (PROPFIND, depth 0).
 */
final class WebDavChecks {
    /** More than this apart, and capture times, Nextcloud's tokens and TLS certificates start to go wrong. */
    static final Duration MAX_CLOCK_SKEW = Duration.ofMinutes(2);

    private final SidecarConfig config;
    private final WebDavSettings dav;
    private final HostProbe probe;

    WebDavChecks(SidecarConfig config, WebDavSettings dav, HostProbe probe) {
        this.config = config;
        this.dav = dav;
        this.probe = probe;
    }

    List<CheckResult> run(Optional<Ledger> ledger, Optional<ExAppIdentity> exApp) {
        List<CheckResult> results = new ArrayList<>();
        String root = DavUrls.serverRoot(dav.baseUrl());
        HostProbe.Reply reply = probe.get(root, java.util.Map.of());
        if (!reply.answered()) {
            results.add(CheckResult.fail("host", "cannot reach " + root + ": " + reply.problem().get(),
                    "start the host, or correct SIDECAR_WEBDAV_URL (now " + dav.baseUrl() + ")"));
            results.add(CheckResult.skip("credentials", "not checked: the host does not answer"));
            results.add(CheckResult.skip("clock", "not checked: the host does not answer"));
            return results;
        }
        long ms = Duration.between(reply.sent(), reply.received()).toMillis();
        if (reply.status() == 503) {
            results.add(CheckResult.fail("host", root + " answers 503 (maintenance or overload)",
                    "wait for the host's maintenance to end (Nextcloud: occ maintenance:mode --off)"));
        } else {
            results.add(CheckResult.pass("host", root + " answers (HTTP " + reply.status() + " in " + ms + " ms)"));
        }
        Accounts.Found found = Accounts.of(config, dav, ledger, exApp);
        results.addAll(found.problems());
        for (Accounts.Account account : found.accounts()) {
            results.add(signIn(account));
        }
        if (found.accounts().isEmpty() && found.problems().isEmpty()) {
            results.add(CheckResult.skip("credentials", ledger.isEmpty() && java.nio.file.Files.exists(config.ledgerFile())
                    ? "not checked: the ledger did not open"
                    : "no shared account and no stored passwords yet (phones enrolling with Nextcloud bring their own)"));
        }
        results.add(clock(reply));
        return results;
    }

    private CheckResult signIn(Accounts.Account account) {
        HostProbe.Reply r = probe.propfind(account.folderUrl(), account.headers());
        if (!r.answered()) {
            return CheckResult.fail("credentials", account.who() + ": cannot reach " + account.folderUrl() + ": "
                    + r.problem().get(), "start the host, or correct SIDECAR_WEBDAV_URL");
        }
        int s = r.status();
        if (s == 207 || s == 200) {
            return CheckResult.pass("credentials", account.who() + ": the host lets in (PROPFIND " + account.folderUrl() + " " + s + ")");
        }
        if (s == 401) {
            return CheckResult.fail("credentials", account.refused(), account.fix());
        }
        if (s == 404) {
            // A user's folder may not exist yet (the first delivery creates it); then its parent must.
            String parent = DavUrls.parent(account.folderUrl());
            HostProbe.Reply up = probe.propfind(parent, account.headers());
            if (up.answered() && (up.status() == 207 || up.status() == 200)) {
                return CheckResult.pass("credentials", account.who() + ": the host lets in; " + account.folderUrl()
                        + " does not exist yet (the first delivery creates it)");
            }
            if (up.answered() && up.status() == 401) {
                return CheckResult.fail("credentials", account.refused(), account.fix());
            }
            return CheckResult.fail("credentials", account.who() + ": neither " + account.folderUrl() + " nor " + parent
                    + " exists on the host", "correct SIDECAR_WEBDAV_URL (now " + dav.baseUrl() + ")");
        }
        if (s == 403) {
            return CheckResult.fail("credentials", account.who() + ": the host accepts the login but forbids "
                    + account.folderUrl() + " (403)", "give that login access to the folder, or correct SIDECAR_WEBDAV_URL");
        }
        if (s >= 300 && s < 400) {
            return CheckResult.fail("credentials", account.who() + ": the host redirects " + account.folderUrl() + " to "
                    // The host's Location may carry user info; doctor's output never does.
                    + r.header("Location").map(dev.photosidecar.config.WebDavSettings::withoutUserInfo).orElse("(nowhere)"),
                    "set SIDECAR_WEBDAV_URL to the address it redirects to");
        }
        return CheckResult.fail("credentials", account.who() + ": PROPFIND " + account.folderUrl() + " answered HTTP " + s,
                s == 503 ? "wait for the host's maintenance to end" : "check SIDECAR_WEBDAV_URL and the host's WebDAV setup");
    }

    /** Our clock against the host's Date header, taken at the middle of the request (the header has whole seconds). */
    private static CheckResult clock(HostProbe.Reply reply) {
        Optional<Instant> host = reply.date();
        if (host.isEmpty()) {
            return CheckResult.skip("clock", "the host sent no Date header");
        }
        Instant ours = reply.sent().plus(Duration.between(reply.sent(), reply.received()).dividedBy(2));
        Duration skew = Duration.between(host.get(), ours);
        String amount = describe(skew.abs()) + (skew.isNegative() ? " behind" : " ahead of");
        if (skew.abs().compareTo(MAX_CLOCK_SKEW) > 0) {
            return CheckResult.fail("clock", "this computer's clock is " + amount + " the host's",
                    "synchronise the clocks with NTP (e.g. timedatectl set-ntp true) on both");
        }
        return CheckResult.pass("clock", "within " + describe(skew.abs().plusSeconds(1)) + " of the host's");
    }

    private static String describe(Duration d) {
        long s = d.toSeconds();
        return s < 60 ? s + " s" : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
