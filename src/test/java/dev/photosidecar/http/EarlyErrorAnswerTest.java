package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload refused on its headers, before its body was read, while the client is still sending that body:
 * the client must get the error, not a reset connection, and may go on using the connection. (A server that
 * closes a connection with unread bytes makes the kernel send RST, which can destroy the answer before the
 * client reads it; Java's HttpClient then reports "header parser received no bytes".)
 */
@FunctionalTest
class EarlyErrorAnswerTest {
    @TempDir
    Path tmp;

    @Test
    void anErrorBeforeTheBodyIsReadReachesAClientStillSendingAndKeepsTheConnection() throws Exception {
        try (TestSidecar sidecar = TestSidecar.start(tmp.resolve("data"), Map.of())) {
            String token = sidecar.enroll("alice", "phone");
            byte[] body = Files2.randomBytes(3, 320 * 1024);
            try (RawConnection c = new RawConnection(sidecar.port())) {
                c.sendHead("PUT /v1/uploads/early-1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token
                        + "\r\nX-Resource-Type: hologram\r\nContent-Length: " + body.length);
                // The body goes out in pieces, as a phone on a slow network sends it, while the answer is read.
                CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                    try {
                        for (int off = 0; off < body.length; off += 32 * 1024) {
                            c.sendBytes(Arrays.copyOfRange(body, off, Math.min(body.length, off + 32 * 1024)));
                            TimeUnit.MILLISECONDS.sleep(20);
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException("the server cut the body off: " + e, e);
                    }
                });
                RawConnection.Head refused = c.readHead();
                String error = c.readBody(refused);
                assertThat(refused.status()).isEqualTo(400);
                assertThat(error).contains("\"code\":\"INVALID_RESOURCE_TYPE\"");
                sending.get(30, TimeUnit.SECONDS);

                // The connection is still good: the next request on it is answered.
                c.sendHead("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1");
                RawConnection.Head health = c.readHead();
                c.readBody(health);
                assertThat(health.status()).isEqualTo(200);
            }
            assertThat(sidecar.app().ledger().countByState().values().stream().mapToLong(Long::longValue).sum())
                    .as("the refused upload left no job").isZero();
        }
    }
}
