package dev.photosidecar.http.resumable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.support.Files2;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.Http.Response;
import dev.photosidecar.support.RawConnection;
import dev.photosidecar.support.TestSidecar;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code SIDECAR_RESUMABLE=off}: the OPTIONS probe answers 501 and no 104 is ever sent, so a phone falls back to
 * plain uploads; a request that says more will follow is refused with nothing kept; tus creations answer 501. An
 * upload started before the switch can still be finished.
 */
@FunctionalTest
class ResumableSwitchOffTest {
    @TempDir
    Path data;

    @Test
    void resumableIsOnByDefaultAndAnythingButOnOrOffIsRefusedByName() {
        assertThat(new ConfigLoader(Map.of(), Optional.empty()).load().resumable()).isTrue();
        assertThat(new ConfigLoader(Map.of("SIDECAR_RESUMABLE", "OFF"), Optional.empty()).load().resumable()).isFalse();
        assertThatThrownBy(() -> new ConfigLoader(Map.of("SIDECAR_RESUMABLE", "maybe"), Optional.empty()).load())
                .isInstanceOf(ConfigException.class).hasMessageContaining("SIDECAR_RESUMABLE='maybe'").hasMessageContaining("on or off");
    }

    @Test
    void offAnswersOptionsWith501SendsNo104RefusesPartsAndLetsEarlierUploadsFinish() throws Exception {
        IetfDialect v8 = new IetfDialect(8);
        byte[] video = Files2.randomBytes(61, 60_000);
        String token;
        String earlier;
        try (TestSidecar on = TestSidecar.start(data, Map.of())) {
            token = on.enroll("alice", "phone");
            try (RawConnection c = new RawConnection(on.port())) {
                c.sendHead(v8.creation("asset-before", token, false, 20_000, (long) video.length));
                earlier = v8.read104(c);
                c.sendBytes(Arrays.copyOf(video, 20_000));
                RawConnection.Head fin = c.readHead();
                c.readBody(fin);
                assertThat(fin.status()).isEqualTo(201);
            }
        }
        try (TestSidecar off = TestSidecar.start(data, Map.of("SIDECAR_RESUMABLE", "off"))) {
            for (String path : new String[] {"/v1/uploads/anything", "/v1/resumable/aaaaaaaaaaaaaaaaaaaaaaaaaa", "/v1/tus/"}) {
                Response options = off.http().send("OPTIONS", path, null, Map.of("Upload-Draft-Interop-Version", "8"), null);
                assertThat(options.status()).as(path).isEqualTo(501);
                assertThat(options.header("X-Error-Code")).contains("RESUMABLE_DISABLED");
            }

            // A whole file offered as resumable is a plain upload: the first answer is the final one.
            byte[] photo = Files2.randomBytes(62, 25_000);
            try (RawConnection c = new RawConnection(off.port())) {
                c.sendHead(v8.creation("asset-whole", token, true, photo.length, (long) photo.length));
                c.sendBytes(photo);
                RawConnection.Head first = c.readHead();
                c.readBody(first);
                assertThat(first.status()).as("no 104 when off").isEqualTo(201);
                assertThat(first.header("X-Job-Size")).isEqualTo(String.valueOf(photo.length));
            }

            // A part is refused, nothing is kept, and the whole file is taken afterwards.
            try (RawConnection c = new RawConnection(off.port())) {
                c.sendHead(v8.creation("asset-part", token, false, 10_000, (long) photo.length));
                c.sendBytes(Arrays.copyOf(photo, 10_000));
                RawConnection.Head first = c.readHead();
                String body = c.readBody(first);
                assertThat(first.status()).isEqualTo(400);
                assertThat(first.header("X-Error-Code")).isEqualTo("PARTIAL_UPLOAD_REFUSED");
                assertThat(body).contains("SIDECAR_RESUMABLE=off");
            }
            assertThat(off.http().get("/v1/uploads/asset-part", token).status()).isEqualTo(404);
            assertThat(off.http().put("/v1/uploads/asset-part", token, Map.of(), photo).status()).isEqualTo(201);

            Response tus = off.http().send("POST", "/v1/tus/", token, Map.of("Tus-Resumable", "1.0.0", "Upload-Length", "10",
                    "Upload-Metadata", "key " + Base64.getEncoder().encodeToString("asset-tus".getBytes(StandardCharsets.UTF_8))), null);
            assertThat(tus.status()).isEqualTo(501);
            assertThat(tus.errorCode()).isEqualTo("RESUMABLE_DISABLED");

            // The upload the phone was told about before the switch still finishes.
            Response head = v8.head(off.http(), earlier, token);
            assertThat(head.header("Upload-Offset")).contains("20000");
            Response done = v8.append(off.http(), earlier, token, 20_000, true, Arrays.copyOfRange(video, 20_000, video.length));
            assertThat(done.status()).as(done.body()).isEqualTo(201);
            assertThat(done.json().path("sha256").asText()).isEqualTo(Files2.sha256(video));
        }
    }
}
