package dev.photosidecar.config;

import java.util.Optional;

/**
 * Where the ledger lives when it is not the embedded SQLite file: a PostgreSQL server that several sidecars may
 * share ({@code SIDECAR_DATABASE_URL}, with {@code SIDECAR_DATABASE_USER} / {@code SIDECAR_DATABASE_PASSWORD}). The
 * URL is checked here for its scheme only; the ledger's PostgreSQL package reads it whole when it connects, and
 * refuses it there with the part that is wrong. Never printed with its password.
 */
public record DatabaseSettings(String url, Optional<String> user, Optional<String> password) {
    /** The URL's schemes the sidecar accepts, as the operator may write them. */
    static final String SCHEMES = "postgresql://, postgres:// or jdbc:postgresql:";

    static String checkUrl(String url) {
        String lower = url.strip().toLowerCase(java.util.Locale.ROOT);
        if (!(lower.startsWith("postgresql://") || lower.startsWith("postgres://") || lower.startsWith("jdbc:postgresql:"))) {
            throw new IllegalArgumentException("must start with " + SCHEMES + " (PostgreSQL is the only database server"
                    + " the ledger runs on; leave it unset for the embedded SQLite ledger)");
        }
        return url.strip();
    }

    /** The URL with any password in it (user info, or a {@code password=} parameter) shown as {@code ***}. */
    public String safeUrl() {
        return url.replaceFirst("//([^/?#@]*):[^/?#]*@", "//$1:***@")
                .replaceAll("(?i)([?&]password=)[^&]*", "$1***");
    }

    @Override
    public String toString() {
        return "DatabaseSettings[url=" + safeUrl() + ", user=" + user.orElse("(from the URL)")
                + ", password=" + (password.isPresent() ? "(set)" : "(none)") + "]";
    }
}
