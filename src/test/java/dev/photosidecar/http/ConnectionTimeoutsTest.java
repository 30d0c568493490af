package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.RawHttp;
import dev.photosidecar.support.TestSidecar;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jetty's guards with short timeouts: a client that stops sending mid-headers or mid-body is cut off by the
 * idle timeout, one that trickles its headers is cut off by the header deadline, and neither leaves a job
 * or a spool file behind. A body that trickles steadily is a slow phone, not an attack, and is kept.
 */
@FunctionalTest
class ConnectionTimeoutsTest {
    @TempDir
    Path data;

    TestSidecar sidecar;
    String token;

    @BeforeEach
    void start() {
        sidecar = TestSidecar.start(data, Map.of("SIDECAR_IDLE_TIMEOUT", "1s", "SIDECAR_HEADER_TIMEOUT", "1s",
                "SIDECAR_MAX_HEADER_BYTES", "4KiB", "SIDECAR_WORKERS", "1"));
        token = sidecar.enroll("alice", "phone");
    }

    @AfterEach
    void stop() {
        sidecar.close();
    }

    /** Reads until the server closes the connection; fails if it is still open after {@code within}. */
    private static String readUntilClosed(Socket socket, Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        StringBuilder got = new StringBuilder();
        InputStream in = socket.getInputStream();
        byte[] buf = new byte[4096];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                got.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open for " + within + "; got so far: " + got);
        } catch (IOException reset) {
            // A reset is a cut-off too.
        }
        return got.toString();
    }

    private void assertNothingKeptAndStillServing() {
        await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.app().api().describe().get("runningUploads").equals(0));
        assertThat(sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum()).isZero();
        assertThat(Files2.uploadFiles(data.resolve("spool"))).as("no spool file left behind").isEmpty();
        assertThat(sidecar.http().put("/v1/uploads/good-after", sidecar.enroll("bob", "phone"), Map.of(), new byte[] {1}).status())
                .isEqualTo(201);
    }

    @Test
    void aClientThatStopsMidHeadersIsCutOff() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", sidecar.port())) {
            socket.getOutputStream().write(("PUT /v1/uploads/k1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nX-Fil")
                    .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            readUntilClosed(socket, Duration.ofSeconds(15));
        }
        assertNothingKeptAndStillServing();
    }

    @Test
    void aClientThatTricklesItsHeadersIsCutOffAlthoughItNeverGoesIdle() throws Exception {
        byte[] head = ("PUT /v1/uploads/k1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\nX-Filename: "
                + "a".repeat(200) + ".jpg\r\nContent-Length: 1\r\n\r\nx").getBytes(StandardCharsets.US_ASCII);
        try (Socket socket = new Socket("127.0.0.1", sidecar.port())) {
            OutputStream out = socket.getOutputStream();
            int sent = 0;
            long started = System.nanoTime();
            try {
                // One byte every 200 ms: well inside the 1 s idle timeout, far beyond the 1 s header deadline.
                for (; sent < head.length; sent++) {
                    out.write(head[sent]);
                    out.flush();
                    Thread.sleep(200);
                }
            } catch (IOException cutOff) {
                // The server closed the connection while we were still sending headers.
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("header trickle: cut off after %d of %d header bytes, %.1f s (header_timeout 1 s)%n",
                    sent, head.length, seconds);
            assertThat(sent).as("cut off before the headers were complete").isLessThan(head.length - 3);
        }
        assertNothingKeptAndStillServing();
    }

    @Test
    void aClientThatStopsMidBodyIsCutOffAndLeavesNothing() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", sidecar.port())) {
            socket.getOutputStream().write(("PUT /v1/uploads/k1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[30_000]);
            socket.getOutputStream().flush();
            await().atMost(Duration.ofSeconds(10)).until(() -> sidecar.app().api().describe().get("runningUploads").equals(1));
            String answer = readUntilClosed(socket, Duration.ofSeconds(15));
            assertThat(answer).as("no success for half a body").doesNotContain(" 201 ").doesNotContain(" 200 ");
        }
        assertNothingKeptAndStillServing();
    }

    @Test
    void aBodyThatTricklesSteadilyIsASlowPhoneAndIsKept() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", sidecar.port())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            out.write(("PUT /v1/uploads/slow-phone HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                    + "\r\nContent-Length: 6\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            // 1.8 s in all: longer than the header deadline, each pause shorter than the idle timeout.
            for (int i = 0; i < 6; i++) {
                Thread.sleep(300);
                out.write('a' + i);
                out.flush();
            }
            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 201");
        }
        assertThat(sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1);
    }

    @Test
    void headersLargerThanTheLimitGet431AsJson() throws Exception {
        RawHttp.Answer a = RawHttp.exchange(sidecar.port(), "PUT /v1/uploads/k1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token
                + "\r\nX-Padding: " + "p".repeat(5000) + "\r\nContent-Length: 1\r\nConnection: close", new byte[] {1}, false);
        assertThat(a.status()).as(a.head()).isEqualTo(431);
        assertThat(a.body()).contains("\"code\":\"HEADERS_TOO_LARGE\"");
        assertNothingKeptAndStillServing();
    }
}
