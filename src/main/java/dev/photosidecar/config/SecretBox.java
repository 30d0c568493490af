package dev.photosidecar.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.PBEKeySpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals secrets at rest with AES-256-GCM. The key comes from {@code SIDECAR_SECRET_KEY} (32 bytes in
 * base64, or a passphrase stretched with PBKDF2), or from {@code {data}/secret.key}, created with mode
 * 0600 on first use. Each sealed value is bound to a context (the user id), so a ciphertext copied to
 * another user's row does not open.
 */
public final class SecretBox {
    private static final byte VERSION = 1;
    private static final int NONCE = 12;
    private static final int TAG_BITS = 128;
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SecretKeySpec key;

    private SecretBox(byte[] key) {
        this.key = new SecretKeySpec(key, "AES");
    }

    public static SecretBox load(Optional<String> configured, Path dataDir) {
        if (configured.isPresent()) {
            return new SecretBox(fromSetting(configured.get()));
        }
        return new SecretBox(fromFile(dataDir.resolve("secret.key")));
    }

    private static byte[] fromSetting(String value) {
        try {
            byte[] raw = Base64.getDecoder().decode(value.trim());
            if (raw.length == 32) {
                return raw;
            }
        } catch (IllegalArgumentException notBase64) {
            // a passphrase
        }
        try {
            PBEKeySpec spec = new PBEKeySpec(value.toCharArray(), "photo-sidecar/secret-key".getBytes(StandardCharsets.UTF_8),
                    210_000, 256);
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot derive the secret key", e);
        }
    }

    private static byte[] fromFile(Path file) {
        try {
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                Path temp = file.resolveSibling(file.getFileName() + ".new");
                Files.deleteIfExists(temp);
                try {
                    Files.createFile(temp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                } catch (UnsupportedOperationException noPosix) {
                    Files.createFile(temp);
                }
                Files.writeString(temp, Base64.getEncoder().encodeToString(fresh) + "\n");
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException raced) {
                    Files.deleteIfExists(temp);
                }
            }
            byte[] raw = Base64.getDecoder().decode(Files.readString(file).trim());
            if (raw.length != 32) {
                throw new ConfigException(file + " does not hold a 32-byte key in base64");
            }
            return raw;
        } catch (IOException e) {
            throw new ConfigException("cannot read or create the secret key " + file + ": " + e.getMessage());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file + " does not hold a base64 key");
        }
    }

    /**
     * A key for another purpose, derived from this one (HMAC-SHA256 of {@code purpose} under it): every process with
     * the same secret key derives the same key, and none of them reveals the secret key or the others.
     */
    public byte[] derive(String purpose) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
            return mac.doFinal(("photo-sidecar/" + purpose).getBytes(StandardCharsets.UTF_8));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /**
     * What tells two keys apart without revealing either: recorded in the ledger, so that a process started with
     * another key than the one the stored passwords were sealed with is refused at start-up.
     */
    public String fingerprint() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(derive("fingerprint"), 16));
    }

    /** version ‖ nonce ‖ ciphertext+tag. */
    public byte[] seal(String secret, String context) {
        try {
            byte[] nonce = new byte[NONCE];
            RANDOM.nextBytes(nonce);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.allocate(1 + NONCE + ct.length).put(VERSION).put(nonce).put(ct).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot seal a secret", e);
        }
    }

    /** @throws IllegalStateException when the value was sealed with another key or for another context */
    public String open(byte[] sealed, String context) {
        if (sealed.length < 1 + NONCE + 16 || sealed[0] != VERSION) {
            throw new IllegalStateException("not a sealed secret of this version");
        }
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, Arrays.copyOfRange(sealed, 1, 1 + NONCE)));
            c.updateAAD(context.getBytes(StandardCharsets.UTF_8));
            return new String(c.doFinal(sealed, 1 + NONCE, sealed.length - 1 - NONCE), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("a stored credential cannot be opened: the secret key changed"
                    + " (SIDECAR_SECRET_KEY or secret.key); set the password again with photo-sidecar user set-password");
        }
    }
}
