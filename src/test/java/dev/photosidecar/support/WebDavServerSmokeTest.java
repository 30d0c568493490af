package dev.photosidecar.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.NodeList;

/**
 * Each real WebDAV server starts, speaks the parts of RFC 4918 the delivery workers rely on, stops (its port
 * then refuses connections) and starts again on the same port and folder.
 *
 * <p>What the three servers do differently (observed with lighttpd 1.4.69, Apache 2.4 mod_dav_fs, sabre/dav
 * 1.8.12 under PHP 8.2 {@code php -S}; this test asserts only what they share):
 * <ul>
 *   <li>ETag on PUT: lighttpd and sabre send one (sabre's is the MD5 of the content); Apache sends none
 *       (a later GET/PROPFIND gives a weak {@code W/"size-mtime"} ETag). All three return {@code getetag} in
 *       PROPFIND.</li>
 *   <li>MOVE into a missing folder: lighttpd and sabre 409; Apache 500. MOVE with a relative
 *       {@code Destination}: Apache 400, the others accept it.</li>
 *   <li>PUT under a path whose parent is a file: lighttpd and sabre 409; Apache 400.</li>
 *   <li>PUT into a missing folder: 409 for all three (sabre only because the harness adds a
 *       {@code beforeBind} hook; stock sabre 1.8 answers 404).</li>
 *   <li>sabre under {@code php -S} never sends {@code 100 Continue} (a client that sends
 *       {@code Expect: 100-continue} waits ~1 s per PUT) and closes the connection after each answer; its
 *       ETag costs an MD5 of the whole file; a PROPPATCH leaves a {@code .sabredav} file in the folder.</li>
 *   <li>A PUT that overwrites answers 204 on all three; MKCOL on an existing name 405, under a missing
 *       folder 409; 401 without or with wrong credentials; LOCK works and a PUT on a locked file is 423.</li>
 * </ul>
 */
@WebDavTest
class WebDavServerSmokeTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    static Stream<WebDavServer.Kind> kinds() {
        return WebDavServer.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("kinds")
    void realServerSpeaksWebDavAndSurvivesARestart(WebDavServer.Kind kind, @TempDir Path tmp) throws Exception {
        try (WebDavServer dav = WebDavServer.start(kind, tmp.resolve(kind.name().toLowerCase()))) {
            try {
                exercise(dav);
            } catch (AssertionError | Exception e) {
                throw new AssertionError(kind + " failed: " + e.getMessage() + "\n" + dav.logs(), e);
            }
        }
    }

    private void exercise(WebDavServer dav) throws Exception {
        byte[] content = Files2.randomBytes(42, 300_000);

        // 401 without (and with wrong) credentials.
        assertThat(send(HttpRequest.newBuilder(dav.baseUri())
                .method("PROPFIND", HttpRequest.BodyPublishers.noBody()).header("Depth", "0")).statusCode())
                .as("PROPFIND without credentials").isEqualTo(401);
        assertThat(send(HttpRequest.newBuilder(dav.baseUri())
                .method("PROPFIND", HttpRequest.BodyPublishers.noBody()).header("Depth", "0")
                .header("Authorization", "Basic " + java.util.Base64.getEncoder()
                        .encodeToString((dav.user() + ":wrong").getBytes(StandardCharsets.UTF_8))))
                .statusCode()).as("PROPFIND with a wrong password").isEqualTo(401);

        // MKCOL: 201, then 405 because it exists.
        assertThat(dav(dav, "MKCOL", "smoke/").statusCode()).as("MKCOL new").isEqualTo(201);
        assertThat(dav(dav, "MKCOL", "smoke/").statusCode()).as("MKCOL existing").isEqualTo(405);

        // PUT with a Content-Length (a byte array body has a known length), GET gives the same bytes.
        HttpResponse<byte[]> put = send(auth(dav, dav.uri("smoke/IMG_0001.HEIC"))
                .header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content)));
        assertThat(put.statusCode()).as("PUT").isIn(201, 204);
        HttpResponse<byte[]> get = send(auth(dav, dav.uri("smoke/IMG_0001.HEIC")).GET());
        assertThat(get.statusCode()).as("GET").isEqualTo(200);
        assertThat(get.body()).as("GET body").isEqualTo(content);

        // PUT into a missing folder: 409 Conflict (RFC 4918 §9.7.1).
        assertThat(send(auth(dav, dav.uri("missing/IMG_0001.HEIC"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(content))).statusCode())
                .as("PUT into a missing folder").isEqualTo(409);

        // PROPFIND Depth 0 on the file: 207 with its length.
        HttpResponse<byte[]> propfind = send(auth(dav, dav.uri("smoke/IMG_0001.HEIC"))
                .method("PROPFIND", HttpRequest.BodyPublishers.ofString("""
                        <?xml version="1.0" encoding="utf-8"?>
                        <D:propfind xmlns:D="DAV:"><D:prop><D:getcontentlength/><D:getetag/></D:prop></D:propfind>
                        """))
                .header("Depth", "0")
                .header("Content-Type", "application/xml; charset=utf-8"));
        assertThat(propfind.statusCode()).as("PROPFIND Depth 0").isEqualTo(207);
        Document xml = parse(propfind.body());
        assertThat(text(xml, "getcontentlength")).as("getcontentlength").isEqualTo(String.valueOf(content.length));
        assertThat(text(xml, "getetag")).as("getetag").isNotBlank();

        // MOVE with Overwrite: F onto an existing name: 412; to a free name: 201 (or 204).
        byte[] other = "another photo".getBytes(StandardCharsets.UTF_8);
        assertThat(send(auth(dav, dav.uri("smoke/taken.HEIC"))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(other))).statusCode()).isIn(201, 204);
        assertThat(move(dav, "smoke/IMG_0001.HEIC", "smoke/taken.HEIC").statusCode())
                .as("MOVE onto an existing name with Overwrite: F").isEqualTo(412);
        assertThat(move(dav, "smoke/IMG_0001.HEIC", "smoke/IMG_0001%20(1).HEIC").statusCode())
                .as("MOVE to a free name").isIn(201, 204);

        // The bytes are on disk, where the server serves them from.
        Path onDisk = dav.root().resolve("smoke/IMG_0001 (1).HEIC");
        assertThat(onDisk).exists();
        assertThat(Files.readAllBytes(onDisk)).isEqualTo(content);
        assertThat(Files.readAllBytes(dav.root().resolve("smoke/taken.HEIC"))).isEqualTo(other);
        assertThat(dav.root().resolve("smoke/IMG_0001.HEIC")).doesNotExist();

        // Outage: stop() closes the port; start() serves the same folder on the same port again.
        dav.stop();
        assertThat(dav.isRunning()).isFalse();
        assertThatThrownBy(() -> {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", dav.port()), 2000);
            }
        }).as("connect to a stopped server").isInstanceOf(ConnectException.class);

        dav.start();
        assertThat(dav.isRunning()).isTrue();
        HttpResponse<byte[]> again = send(auth(dav, dav.uri("smoke/IMG_0001%20(1).HEIC")).GET());
        assertThat(again.statusCode()).as("GET after restart").isEqualTo(200);
        assertThat(again.body()).as("GET body after restart").isEqualTo(content);
    }

    private HttpRequest.Builder auth(WebDavServer dav, URI uri) {
        return HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Authorization", dav.basicAuth());
    }

    private HttpResponse<byte[]> dav(WebDavServer dav, String method, String path) throws Exception {
        return send(auth(dav, dav.uri(path)).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    private HttpResponse<byte[]> move(WebDavServer dav, String from, String to) throws Exception {
        return send(auth(dav, dav.uri(from))
                .method("MOVE", HttpRequest.BodyPublishers.noBody())
                .header("Destination", dav.uri(to).toString())
                .header("Overwrite", "F"));
    }

    private HttpResponse<byte[]> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static Document parse(byte[] xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setNamespaceAware(true);
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
    }

    private static String text(Document xml, String davProperty) {
        NodeList nodes = xml.getElementsByTagNameNS("DAV:", davProperty);
        assertThat(nodes.getLength()).as("DAV:" + davProperty + " in the PROPFIND answer").isGreaterThan(0);
        return nodes.item(0).getTextContent().strip();
    }
}
