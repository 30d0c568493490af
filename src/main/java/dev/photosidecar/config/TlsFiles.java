package dev.photosidecar.config;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Built-in TLS from two PEM files, for a sidecar with no reverse proxy in front of it: the certificate
 * chain ({@code SIDECAR_TLS_CERT}, the server's certificate first) and its unencrypted private key
 * ({@code SIDECAR_TLS_KEY}: PKCS#8 "PRIVATE KEY", RSA or EC, or PKCS#1 "RSA PRIVATE KEY"). Both are read
 * and checked once, at start-up, including that the key belongs to the certificate, and end up in an
 * in-memory key store: no key store file, no password to manage.
 */
public record TlsFiles(Path certFile, Path keyFile, List<X509Certificate> chain, PrivateKey key) {
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    /** DER of AlgorithmIdentifier { rsaEncryption, NULL }, to wrap a PKCS#1 RSA key as PKCS#8. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
        0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    /**
     * Reads and checks both files; every problem goes to {@code problems} (named by its setting), so that
     * configuration errors are reported together. Returns null when there was a problem.
     */
    static TlsFiles load(Path certFile, Path keyFile, List<String> problems) {
        List<X509Certificate> chain = readChain(certFile, problems);
        PrivateKey key = readKey(keyFile, problems);
        if (chain == null || key == null) {
            return null;
        }
        if (!matches(key, chain.get(0))) {
            problems.add(Setting.TLS_KEY.envName() + "=" + keyFile + ": this private key does not belong to the certificate in "
                    + Setting.TLS_CERT.envName() + "=" + certFile + " (" + chain.get(0).getSubjectX500Principal()
                    + "); give the key the certificate was issued for");
            return null;
        }
        return new TlsFiles(certFile, keyFile, List.copyOf(chain), key);
    }

    /** The chain and key as a key store that lives only in memory, with a random password. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            store.setKeyEntry("sidecar", key, password, chain.toArray(new Certificate[0]));
            return store;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build the in-memory key store: " + e.getMessage(), e);
        }
    }

    /** The server certificate's subject and expiry, for the start-up log. */
    public String describe() {
        X509Certificate c = chain.get(0);
        return c.getSubjectX500Principal().getName() + ", valid until " + c.getNotAfter().toInstant();
    }

    private static List<X509Certificate> readChain(Path file, List<String> problems) {
        String name = Setting.TLS_CERT.envName() + "=" + file;
        byte[] bytes = read(file, name, problems);
        if (bytes == null) {
            return null;
        }
        try {
            List<X509Certificate> chain = new ArrayList<>();
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
                chain.add((X509Certificate) c);
            }
            if (chain.isEmpty()) {
                problems.add(name + ": holds no certificate; expected PEM blocks \"-----BEGIN CERTIFICATE-----\"");
                return null;
            }
            return chain;
        } catch (GeneralSecurityException | ClassCastException e) {
            problems.add(name + ": not a PEM certificate chain (" + e.getMessage() + ")");
            return null;
        }
    }

    private static PrivateKey readKey(Path file, List<String> problems) {
        String name = Setting.TLS_KEY.envName() + "=" + file;
        byte[] bytes = read(file, name, problems);
        if (bytes == null) {
            return null;
        }
        Matcher m = PEM.matcher(new String(bytes, StandardCharsets.US_ASCII));
        if (!m.find()) {
            problems.add(name + ": not a PEM private key; expected \"-----BEGIN PRIVATE KEY-----\"");
            return null;
        }
        String type = m.group(1);
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(2));
        } catch (IllegalArgumentException e) {
            problems.add(name + ": the PEM block is not valid base64");
            return null;
        }
        switch (type) {
            case "PRIVATE KEY" -> {
                for (String algorithm : List.of("RSA", "EC")) {
                    try {
                        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
                    } catch (GeneralSecurityException tryTheNext) {
                        // not this algorithm
                    }
                }
                problems.add(name + ": a PKCS#8 key that is neither RSA nor EC");
                return null;
            }
            case "RSA PRIVATE KEY" -> {
                try {
                    return KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(pkcs1ToPkcs8(der)));
                } catch (GeneralSecurityException e) {
                    problems.add(name + ": not a valid PKCS#1 RSA key (" + e.getMessage() + ")");
                    return null;
                }
            }
            case "ENCRYPTED PRIVATE KEY" -> {
                problems.add(name + ": the key is encrypted; the sidecar needs it unencrypted (openssl pkcs8 -topk8 -nocrypt"
                        + " -in " + file + " -out key.pem), readable only by the sidecar's user");
                return null;
            }
            default -> {
                problems.add(name + ": a \"" + type + "\" block; convert it to PKCS#8 with: openssl pkcs8 -topk8 -nocrypt -in "
                        + file + " -out key.pem");
                return null;
            }
        }
    }

    private static byte[] read(Path file, String name, List<String> problems) {
        if (!Files.isRegularFile(file)) {
            problems.add(name + ": no such file");
            return null;
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            problems.add(name + ": cannot read it (" + e.getClass().getSimpleName() + ": " + e.getMessage() + ")");
            return null;
        }
    }

    /** Whether {@code key} signs what the certificate's public key verifies. */
    private static boolean matches(PrivateKey key, X509Certificate cert) {
        String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(cert.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false; // e.g. an RSA key with an EC certificate
        }
    }

    /** PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING { the PKCS#1 key } }. */
    private static byte[] pkcs1ToPkcs8(byte[] pkcs1) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(new byte[] {0x02, 0x01, 0x00});
        body.writeBytes(RSA_ALGORITHM);
        body.write(0x04);
        body.writeBytes(derLength(pkcs1.length));
        body.writeBytes(pkcs1);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        out.writeBytes(derLength(body.size()));
        out.writeBytes(body.toByteArray());
        return out.toByteArray();
    }

    private static byte[] derLength(int n) {
        if (n < 0x80) {
            return new byte[] {(byte) n};
        }
        if (n < 0x100) {
            return new byte[] {(byte) 0x81, (byte) n};
        }
        if (n < 0x10000) {
            return new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n};
        }
        return new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
    }
}
