package dev.photosidecar.config;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** Which kind of host the delivery workers write to. */
public enum TargetKind {
    /** A folder inside the data folder: {@code {data}/library/{user}/}. The embedded default. */
    LOCAL,
    /** Any WebDAV server (Nextcloud, ownCloud, Apache, lighttpd, NAS boxes) at {@code SIDECAR_WEBDAV_URL}. */
    WEBDAV,
    /**
     * A Nextcloud server: the WebDAV target with Nextcloud's extras required, and phones may enroll
     * themselves with an app password. {@code SIDECAR_WEBDAV_URL} may be the server's own URL.
     */
    NEXTCLOUD;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    static Optional<TargetKind> parse(String text) {
        return Arrays.stream(values()).filter(k -> k.wireName().equals(text.trim().toLowerCase(Locale.ROOT))).findFirst();
    }

    static String choices() {
        return Arrays.stream(values()).map(TargetKind::wireName).collect(Collectors.joining(", "));
    }
}
