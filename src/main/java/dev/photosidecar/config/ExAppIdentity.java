package dev.photosidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;

/**
 * Who the sidecar is to Nextcloud's AppAPI when it runs as an ExApp: the app id, its version and the
 * shared secret. {@code photo-sidecar nextcloud register} creates the secret and keeps it in
 * {@code {data}/exapp.json} (mode 0600); AppAPI's own deploy daemons pass {@code APP_SECRET} instead.
 */
public record ExAppIdentity(String appId, String version, String secret) {
    public static final String APP_ID = "photo_sidecar";
    private static final ObjectMapper JSON = new ObjectMapper();

    public static Path file(Path dataDir) {
        return dataDir.resolve("exapp.json");
    }

    /** The identity this sidecar runs with, if it is registered as an ExApp. */
    public static Optional<ExAppIdentity> load(Path dataDir, Map<String, String> env) {
        if (env.containsKey("APP_SECRET") && !env.get("APP_SECRET").isBlank()) {
            return Optional.of(new ExAppIdentity(env.getOrDefault("APP_ID", APP_ID),
                    env.getOrDefault("APP_VERSION", buildVersion()), env.get("APP_SECRET")));
        }
        Path f = file(dataDir);
        if (!Files.exists(f)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(Files.readString(f));
            return Optional.of(new ExAppIdentity(n.path("appId").asText(APP_ID), buildVersion(), n.path("secret").asText()));
        } catch (IOException e) {
            throw new ConfigException(f + ": cannot read the ExApp registration (" + e.getMessage() + ")");
        }
    }

    /** A new identity with a fresh 256-bit secret, stored owner-only in the data folder; it starts disabled. */
    public static ExAppIdentity create(Path dataDir) throws IOException {
        byte[] raw = new byte[32];
        new SecureRandom().nextBytes(raw);
        ExAppIdentity id = new ExAppIdentity(APP_ID, buildVersion(), Base64.getUrlEncoder().withoutPadding().encodeToString(raw));
        Files.createDirectories(dataDir);
        Path temp = dataDir.resolve("exapp.json.new");
        Files.deleteIfExists(temp);
        try {
            Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException noPosix) {
            Files.createFile(temp);
        }
        Files.writeString(temp, JSON.writeValueAsString(Map.of("appId", id.appId(), "secret", id.secret())));
        // A new secret is a new registration: whatever Nextcloud enabled before does not carry over to it.
        Files.deleteIfExists(ExAppSwitch.file(dataDir));
        Files.move(temp, file(dataDir), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return id;
    }

    /** The version this build calls itself (the jar's, which the build takes from pom.xml). */
    public static String buildVersion() {
        String v = ExAppIdentity.class.getPackage().getImplementationVersion();
        return v == null ? "0.1.0" : v;
    }

    /**
     * Constant-time comparison of the SHA-256 of both, so the secret cannot be guessed a byte at a time from
     * response times, and not even its length shows (both digests are always 32 bytes).
     */
    public boolean secretMatches(String candidate) {
        if (candidate == null) {
            return false;
        }
        return MessageDigest.isEqual(sha256(secret), sha256(candidate));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    @Override
    public String toString() {
        return "ExAppIdentity[" + appId + " " + version + ", secret=(hidden)]";
    }
}
