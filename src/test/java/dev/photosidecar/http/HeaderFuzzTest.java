package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.http.Problem;
import dev.photosidecar.names.FileNames;
import dev.photosidecar.support.UnitTest;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of everything an upload's headers go through before a byte of the body is read:
 * {@link UploadKey}, {@link UploadMetadata} (file name decoding, resource type, capture time, asset id, media
 * type) and {@link ContentDigest}. Whatever comes in, the only failure is a {@link Problem}, and a name that
 * is accepted can never act as a path. Tries are bounded so that the whole class runs in a few seconds.
 */
@UnitTest
class HeaderFuzzTest {
    /** Pieces attackers and broken clients put into headers, to be glued together in any order. */
    private static final List<String> FRAGMENTS = List.of(
            "..", ".", "/", "\\", "%2e", "%2E", "%2f", "%2F", "%5c", "%00", "%0a", "%0D", "%7f", "%c0%ae", "%c0%af",
            "%e0%80%ae", "%e2%88%95", "%ef%bc%8f", "%ef%bc%8e", "%e2%80%ae", "%e2%81%a6", "%c3%28", "%ff", "%", "%%",
            "%zz", "%2", "%252e", "\u0000", "\u202e", "\u2215", "\uff0f", "\uff0e", "e\u0301", "\u00e9", "\ud800", "\udc00",
            "\u200b", "\u0085", "\u00a0", " ", "\t", "\r\n", "IMG_0001", ".HEIC", ".jpg", "a", "€", "😀", "sha-256=:",
            ":", "=", ",", ";", "AAAA", "2024-05-01T10:15:30Z", "+99:00", "photo", "9", "-1", "1e9999");

    @Provide
    Arbitrary<String> hostile() {
        Arbitrary<String> glued = Arbitraries.of(FRAGMENTS).list().ofMaxSize(12).map(parts -> String.join("", parts));
        Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(80);
        Arbitrary<String> latin1 = Arbitraries.strings().withCharRange('\u0000', '\u00ff').ofMaxLength(80);
        return Arbitraries.oneOf(glued, anything, latin1);
    }

    @Provide
    Arbitrary<Optional<String>> maybeHostile() {
        return hostile().optional(0.6);
    }

    @Property(tries = 3000)
    void parsingHeadersFailsOnlyWithAProblemAndNeverYieldsAPathLikeName(
            @ForAll("maybeHostile") Optional<String> filename, @ForAll("maybeHostile") Optional<String> resourceType,
            @ForAll("maybeHostile") Optional<String> createdAt, @ForAll("maybeHostile") Optional<String> assetId,
            @ForAll("maybeHostile") Optional<String> contentType, @ForAll("maybeHostile") Optional<String> digest) {
        Map<String, String> headers = new HashMap<>();
        filename.ifPresent(v -> headers.put("X-Filename", v));
        resourceType.ifPresent(v -> headers.put("X-Resource-Type", v));
        createdAt.ifPresent(v -> headers.put("X-Created-At", v));
        assetId.ifPresent(v -> headers.put("X-Asset-Id", v));
        contentType.ifPresent(v -> headers.put("Content-Type", v));
        digest.ifPresent(v -> headers.put("Content-Digest", v));

        UploadMetadata first;
        try {
            first = UploadMetadata.parse("key-1", headers::get);
        } catch (Problem expected) {
            assertThat(expected.code().status()).isEqualTo(400);
            assertThat(expected.getMessage()).isNotBlank();
            return;
        }
        assertSafeName(first.filename());
        UploadMetadata again = UploadMetadata.parse("key-1", headers::get);
        assertThat(again.filename()).as("same headers, same name").isEqualTo(first.filename());
        assertThat(again.createdAt()).isEqualTo(first.createdAt());
        assertThat(again.resourceType()).isEqualTo(first.resourceType());
        first.sha256().ifPresent(sha -> assertThat(sha).hasSize(32));
    }

    @Property(tries = 3000)
    void aDecodedFileNameIsAcceptedOnlyWhenItIsSafe(@ForAll("hostile") String raw) {
        String name;
        try {
            name = UploadMetadata.decodeFilename(raw);
            UploadMetadata.checkFilename(name);
        } catch (Problem refused) {
            assertThat(refused.code().name()).isEqualTo("INVALID_FILENAME");
            return;
        }
        assertSafeName(name);
        assertThat(UploadMetadata.decodeFilename(raw)).isEqualTo(name);
    }

    @Property(tries = 2000)
    void aKeyIsEitherRefusedOrOneSafeSegment(@ForAll("hostile") String key) {
        String accepted;
        try {
            accepted = UploadKey.require(key);
        } catch (Problem refused) {
            assertThat(refused.code().name()).isEqualTo("INVALID_KEY");
            return;
        }
        assertThat(accepted).matches("[A-Za-z0-9._~-]{1,200}").isNotIn(".", "..");
    }

    @Property(tries = 2000)
    void aDigestFieldYieldsA32ByteSha256OrAProblem(@ForAll("hostile") String field) {
        try {
            ContentDigest.sha256("Content-Digest", field).ifPresent(sha -> assertThat(sha).hasSize(32));
        } catch (Problem refused) {
            assertThat(refused.code().name()).isEqualTo("INVALID_DIGEST");
        }
    }

    private static void assertSafeName(String name) {
        assertThat(name).isNotEmpty().isNotIn(".", "..").doesNotContain("/").doesNotContain("\\");
        assertThat(name.chars().noneMatch(c -> c == 0 || Character.isISOControl(c))).as("no control characters in %s", name).isTrue();
        assertThat(name.chars().noneMatch(c -> (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069))).isTrue();
        assertThat(FileNames.utf8Length(name)).isLessThanOrEqualTo(FileNames.MAX_SEGMENT_BYTES);
        assertThat(name).isEqualTo(name.strip());
    }
}
