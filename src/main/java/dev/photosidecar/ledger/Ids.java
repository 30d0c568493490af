package dev.photosidecar.ledger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Random identifiers and secrets: job ids, device ids and device tokens. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    private Ids() {
    }

    /** 130 random bits as 26 lower-case base32 characters: safe in URLs, file names and logs. */
    public static String jobId() {
        return base32(26);
    }

    public static String deviceId() {
        return "dev_" + base32(16);
    }

    /**
     * A device token: 260 random bits (52 base32 characters; at least 256, so that guessing one online is
     * hopeless and no per-address lockout is needed) behind a recognisable prefix (so secret scanners can
     * find leaks). Shorter tokens issued by older versions keep working: only their SHA-256 is looked up.
     */
    public static String deviceToken() {
        return "psc_" + base32(52);
    }

    /** Tokens are long random strings, so one SHA-256 is the right hash (a slow KDF buys nothing here). */
    public static String tokenHash(String token) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code length} random base32 characters from one draw of random bytes: a character a draw made the id cost a
     * {@link SecureRandom} call (and a lock) per character, a visible share of an upload's CPU (docs/performance.md).
     */
    private static String base32(int length) {
        byte[] random = new byte[(length * 5 + 7) / 8];
        RANDOM.nextBytes(random);
        char[] out = new char[length];
        for (int i = 0; i < length; i++) {
            int bit = i * 5;
            int twoBytes = (random[bit / 8] & 0xff) << 8 | (bit / 8 + 1 < random.length ? random[bit / 8 + 1] & 0xff : 0);
            out[i] = BASE32[twoBytes >>> (11 - bit % 8) & 31];
        }
        return new String(out);
    }
}
