package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Built-in TLS over real loopback connections: certificates and keys made by the openssl CLI for this
 * test (RSA and EC in PKCS#8, RSA in PKCS#1), a client that trusts exactly that certificate, and the
 * configuration errors for files that do not fit together.
 */
@FunctionalTest
class TlsTest {
    @TempDir
    Path tmp;

    @Test
    void servesHttp11OverTlsWithAnRsaPkcs8Key() throws Exception {
        Pem pem = selfSigned("rsa", "rsa:2048");
        try (TestSidecar sidecar = TestSidecar.start(tmp.resolve("data"), tlsEnv(pem))) {
            String token = sidecar.enroll("alice", "phone");
            HttpClient client = trusting(pem.cert());
            String base = "https://127.0.0.1:" + sidecar.port();
            HttpResponse<String> health = client.send(HttpRequest.newBuilder(URI.create(base + "/healthz")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(health.sslSession().orElseThrow().getProtocol()).startsWith("TLSv1.");
            assertThat(health.headers().firstValue("Server")).isEmpty();
            HttpResponse<String> upload = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/uploads/k1"))
                    .header("Authorization", "Bearer " + token).header("X-Filename", "IMG_1.JPG")
                    .PUT(HttpRequest.BodyPublishers.ofByteArray("photo".getBytes(StandardCharsets.UTF_8))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).as(upload.body()).isEqualTo(201);
            System.out.println("TLS: GET /healthz -> " + health.statusCode() + " over " + health.sslSession().get().getProtocol()
                    + " " + health.sslSession().get().getCipherSuite() + ", upload -> " + upload.statusCode());

            // There is no plain HTTP beside it on that port: a plain request gets a TLS alert, not an HTTP answer.
            HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.port()
                    + "/healthz")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(IOException.class);
        }
    }

    @Test
    void acceptsEcPkcs8AndRsaPkcs1Keys() throws Exception {
        Pem ec = selfSigned("ec", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        Pem rsa = selfSigned("rsa1", "rsa:2048");
        Path pkcs1 = tmp.resolve("rsa1-pkcs1.pem");
        openssl("rsa", "-in", rsa.key().toString(), "-out", pkcs1.toString(), "-traditional");
        assertThat(Files.readString(pkcs1)).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        for (Pem pem : List.of(ec, new Pem(rsa.cert(), pkcs1))) {
            try (TestSidecar sidecar = TestSidecar.start(tmp.resolve("data-" + pem.key().getFileName()), tlsEnv(pem))) {
                HttpResponse<String> r = trusting(pem.cert()).send(HttpRequest.newBuilder(
                        URI.create("https://127.0.0.1:" + sidecar.port() + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(pem.key().toString()).isEqualTo(200);
            }
        }
    }

    @Test
    void filesThatDoNotFitTogetherAreClearConfigErrorsAllAtOnce() throws Exception {
        Pem a = selfSigned("a", "rsa:2048");
        Pem b = selfSigned("b", "ec", "-pkeyopt", "ec_paramgen_curve:P-256");
        Pem c = selfSigned("c", "rsa:2048");

        assertThatThrownBy(() -> load(Map.of("SIDECAR_TLS_CERT", a.cert().toString(), "SIDECAR_TLS_KEY", c.key().toString())))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_TLS_KEY=" + c.key() + ": this private key does not belong to the certificate in "
                        + "SIDECAR_TLS_CERT=" + a.cert());
        assertThatThrownBy(() -> load(Map.of("SIDECAR_TLS_CERT", a.cert().toString(), "SIDECAR_TLS_KEY", b.key().toString())))
                .hasMessageContaining("does not belong to the certificate");
        assertThatThrownBy(() -> load(Map.of("SIDECAR_TLS_CERT", a.cert().toString())))
                .hasMessageContaining("SIDECAR_TLS_CERT and SIDECAR_TLS_KEY go together");
        Path missing = tmp.resolve("missing.pem");
        Path notPem = Files.writeString(tmp.resolve("not.pem"), "hello\n");
        String all = messageOf(() -> load(Map.of("SIDECAR_TLS_CERT", missing.toString(), "SIDECAR_TLS_KEY", notPem.toString(),
                "SIDECAR_WORKERS", "0")));
        System.out.println("TLS config errors, all at once:\n" + all);
        assertThat(all).contains("SIDECAR_TLS_CERT=" + missing + ": no such file")
                .contains("SIDECAR_TLS_KEY=" + notPem + ": not a PEM private key").contains("SIDECAR_WORKERS");
        Path encrypted = tmp.resolve("enc.pem");
        openssl("pkcs8", "-topk8", "-in", a.key().toString(), "-out", encrypted.toString(), "-passout", "pass:secret");
        assertThatThrownBy(() -> load(Map.of("SIDECAR_TLS_CERT", a.cert().toString(), "SIDECAR_TLS_KEY", encrypted.toString())))
                .hasMessageContaining("the key is encrypted");
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private record Pem(Path cert, Path key) {
    }

    private Map<String, String> tlsEnv(Pem pem) {
        return Map.of("SIDECAR_TLS_CERT", pem.cert().toString(), "SIDECAR_TLS_KEY", pem.key().toString());
    }

    private void load(Map<String, String> more) {
        Map<String, String> env = new HashMap<>(Map.of("SIDECAR_DATA_DIR", tmp.resolve("cfg").toString()));
        env.putAll(more);
        new ConfigLoader(env, Optional.empty()).load();
    }

    private static String messageOf(Runnable r) {
        try {
            r.run();
        } catch (ConfigException e) {
            return e.getMessage();
        }
        throw new AssertionError("no ConfigException");
    }

    /** A self-signed certificate for 127.0.0.1 and localhost, and its unencrypted PKCS#8 key. */
    private Pem selfSigned(String name, String newkey, String... more) throws Exception {
        Path cert = tmp.resolve(name + "-cert.pem");
        Path key = tmp.resolve(name + "-key.pem");
        List<String> args = new ArrayList<>(List.of("req", "-x509", "-newkey", newkey));
        args.addAll(List.of(more));
        args.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
                "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"));
        openssl(args.toArray(String[]::new));
        return new Pem(cert, key);
    }

    private static void openssl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            System.out.println("SKIPPED: the openssl CLI is not installed (" + e.getMessage() + ")");
            Assumptions.abort("the openssl CLI is not installed: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + "\n" + out).isZero();
    }

    @Test
    void theResumableUploads104ReachesTheClientEncrypted() throws Exception {
        Pem pem = selfSigned("rsa104", "rsa:2048");
        try (TestSidecar sidecar = TestSidecar.start(tmp.resolve("data"), tlsEnv(pem))) {
            String token = sidecar.enroll("alice", "phone");
            byte[] photo = "a photo sent resumably over TLS".getBytes(StandardCharsets.UTF_8);
            javax.net.ssl.SSLSocket socket = (javax.net.ssl.SSLSocket) sslContext(pem.cert()).getSocketFactory()
                    .createSocket("127.0.0.1", sidecar.port());
            socket.startHandshake();
            try (dev.photosidecar.support.RawConnection c = new dev.photosidecar.support.RawConnection(socket)) {
                c.sendHead("PUT /v1/uploads/tls-104 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nX-Filename: IMG_0104.JPG\r\nUpload-Draft-Interop-Version: 6\r\nUpload-Complete: ?1"
                        + "\r\nContent-Length: " + photo.length);
                dev.photosidecar.support.RawConnection.Head interim = c.readHead();
                assertThat(interim.statusLine()).startsWith("HTTP/1.1 104");
                assertThat(interim.header("Location")).startsWith("/v1/resumable/");
                c.sendBytes(photo);
                dev.photosidecar.support.RawConnection.Head fin = c.readHead();
                assertThat(fin.status()).as(c.readBody(fin)).isEqualTo(201);
            }
        }
    }

    private static HttpClient trusting(Path certPem) throws Exception {
        return HttpClient.newBuilder().sslContext(sslContext(certPem)).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
    }

    private static SSLContext sslContext(Path certPem) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certPem)) {
            trust.setCertificateEntry("sidecar", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        return ssl;
    }
}
