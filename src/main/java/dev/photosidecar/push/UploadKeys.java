package dev.photosidecar.push;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Base64;

/**
 * The upload key {@code push} uses for a file: base64url, without padding, of SHA-256 over the path
 * relative to the pushed folder, the size and the modification time (whole seconds). That is 43
 * characters of {@code A-Z a-z 0-9 - _}, well inside the server's key rules.
 *
 * <ul>
 *   <li><b>Stable across runs:</b> the same file gives the same key, so {@code /v1/uploads/check} can skip
 *       it without reading it, and a re-sent file is a replay, never a second copy.</li>
 *   <li><b>Independent of where the folder is mounted:</b> only the path below the folder counts, with '/'
 *       separators and names in Unicode NFC (macOS writes names decomposed), so {@code /mnt/a/Photos} and
 *       {@code /media/b/Photos} give the same keys.</li>
 *   <li><b>A changed file gets a new key</b> through its size or modification time, and is uploaded again
 *       as a new photo instead of answering 409. Whole seconds, not nanoseconds: copies (FAT, SMB,
 *       {@code cp -p} to another file system) keep whole seconds but not always the fraction.</li>
 *   <li>Like rsync's quick check, an edit that keeps both the size and the modification second goes unseen:
 *       the key check reports the file as already there. Should that key still reach the server (a second
 *       push racing this one), the server's 409 says so.</li>
 *   <li>The content is not hashed here: the check for a large library must not read every file.</li>
 * </ul>
 *
 * <p>The input starts with a version label, so that a later key scheme can never produce these keys.
 */
public final class UploadKeys {
    private static final String SCHEME = "photo-sidecar push v1";

    private UploadKeys() {
    }

    public static String keyFor(String relativePath, long size, Instant modified) {
        String input = SCHEME + "\n" + relativePath + "\n" + size + "\n" + modified.getEpochSecond();
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(input.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
