package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.SecretBox;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.delivery.target.webdav.AppApiHeaders;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Credentials;
import dev.photosidecar.ledger.Ledger;
import dev.photosidecar.server.DataGap;
import dev.photosidecar.server.SecretKeyGap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The ways the sidecar signs in at the WebDAV host, each to be tried once: every user's stored password,
 * the shared account, users with neither (anonymous), or, as a Nextcloud ExApp, AppAPI acting for each user.
 * Stored passwords that cannot be opened are findings of their own.
 */
final class Accounts {
    /**
     * One way in.
     *
     * @param who for messages: "user alice (login alice)", "the shared account photos"
     * @param refused the line when the host says 401, with {@code fix} how to set it right
     */
    record Account(String who, String folderUrl, Map<String, String> headers, String refused, String fix) {
    }

    /** What to try, and what could not even be tried. */
    record Found(List<Account> accounts, List<CheckResult> problems) {
    }

    private Accounts() {
    }

    static Found of(SidecarConfig config, WebDavSettings dav, Optional<Ledger> ledger, Optional<ExAppIdentity> exApp) {
        List<Account> accounts = new ArrayList<>();
        List<CheckResult> problems = new ArrayList<>();
        Set<String> users = ledger.map(Accounts::users).orElse(new TreeSet<>());
        if (exApp.isPresent()) {
            for (String user : users) {
                accounts.add(new Account("user " + user + " through AppAPI", DavUrls.userRoot(dav.baseUrl(), user),
                        AppApiHeaders.forUser(exApp.get(), user),
                        "Nextcloud refused the ExApp's secret acting for user " + user,
                        "photo-sidecar nextcloud register … --new-secret, run the occ commands it prints, and restart the sidecar"));
            }
            return new Found(accounts, problems);
        }
        Set<String> withOwn = new TreeSet<>();
        if (ledger.isPresent()) {
            // Counted without the store: opening it needs the key, and that is what may be missing.
            long stored = ledger.get().usersWithStoredCredentials().size();
            if (stored > 0) {
                Optional<DataGap> noKey = SecretKeyGap.problem(ledger.get(), config.secretKey(), config.dataDir());
                if (noKey.isPresent()) {
                    // SecretBox would make a fresh key, which opens nothing; say so instead of creating it.
                    problems.add(CheckResult.fail("credentials", noKey.get().problem() + " (serve refuses to start)",
                            noKey.get().fix()));
                } else {
                    CredentialStore store = ledger.get().credentials(SecretBox.load(config.secretKey(), config.dataDir()));
                    for (CredentialStore.Entry e : store.list()) {
                        withOwn.add(e.userId());
                        try {
                            Optional<Credentials> c = store.find(e.userId());
                            c.ifPresent(cred -> accounts.add(new Account("user " + e.userId() + " (login " + cred.login() + ")",
                                    DavUrls.userRoot(dav.baseUrl(), e.userId()), HostProbe.basicAuth(cred.login(), cred.password()),
                                    "the host refused the password for user " + e.userId(),
                                    "photo-sidecar user set-password " + e.userId())));
                        } catch (IllegalStateException unreadable) {
                            problems.add(CheckResult.fail("credentials", "the stored password of user " + e.userId()
                                    + " cannot be opened: the secret key changed", "photo-sidecar user set-password " + e.userId()));
                        }
                    }
                }
            }
        }
        List<String> others = users.stream().filter(u -> !withOwn.contains(u)).toList();
        if (dav.user().isPresent()) {
            String login = dav.user().get();
            // The shared account serves every user without their own password; one of their folders tells.
            String folderOf = others.isEmpty() ? login : others.get(0);
            accounts.add(new Account("the shared account " + login, DavUrls.userRoot(dav.baseUrl(), folderOf),
                    HostProbe.basicAuth(login, dav.password().orElse("")),
                    "the host refused the password of the shared account " + login,
                    "correct SIDECAR_WEBDAV_USER and SIDECAR_WEBDAV_PASSWORD"));
        } else {
            for (String user : others) {
                accounts.add(new Account("user " + user + " (no password stored)", DavUrls.userRoot(dav.baseUrl(), user), Map.of(),
                        "the host wants a password for user " + user + " and none is stored",
                        "photo-sidecar user set-password " + user));
            }
        }
        return new Found(accounts, problems);
    }

    private static Set<String> users(Ledger ledger) {
        return new TreeSet<>(ledger.devices().users());
    }
}
