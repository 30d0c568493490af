package dev.photosidecar.cli.nextcloud;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Reads what AppAPI 32's listing commands print: {@code app_api:app:list} ("photo_sidecar (Photo Upload Sidecar):
 * 0.1.0 [enabled]") and the table of {@code app_api:daemon:list} (Name and Host columns).
 */
final class AppApiListings {
    /** Where an ExApp stands in Nextcloud. */
    enum AppState {
        ABSENT, ENABLED, DISABLED
    }

    private AppApiListings() {
    }

    static AppState app(String listing, String appId) {
        for (String line : listing.split("\n")) {
            String l = line.strip();
            if (l.startsWith(appId + " (") || l.startsWith(appId + ":")) {
                return l.endsWith("[enabled]") ? AppState.ENABLED : AppState.DISABLED;
            }
        }
        return AppState.ABSENT;
    }

    /** The host a daemon sends AppAPI's calls to, if the table lists that daemon. */
    static Optional<String> daemonHost(String table, String daemon) {
        List<String> header = null;
        for (String line : table.split("\n")) {
            if (!line.strip().startsWith("|")) {
                continue;
            }
            List<String> cells = Arrays.stream(line.strip().split("\\|", -1)).map(String::strip).toList();
            if (header == null) {
                header = cells;
                continue;
            }
            int name = header.indexOf("Name");
            int host = header.indexOf("Host");
            if (name > 0 && host > 0 && cells.size() > Math.max(name, host) && cells.get(name).equals(daemon)) {
                return Optional.of(cells.get(host));
            }
        }
        return Optional.empty();
    }
}
