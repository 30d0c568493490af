package dev.photosidecar.names;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.names.FileNames;
import dev.photosidecar.names.PathTemplate;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Property-based fuzzing of where a delivered file goes: {@link PathTemplate} and {@link FileNames}. Whatever
 * the template and whatever the job's values (user, device name, file name, resource type, date), a rendered
 * path has no "..", no "/" inside a segment, no NUL or control character, never leaves the user's root, and
 * is the same every time. Templates fail only with the documented IllegalArgumentException.
 */
@UnitTest
class PathTemplateFuzzTest {
    private static final Path ROOT = Path.of("/srv/library/alice");
    private static final List<String> HOSTILE = List.of(
            "..", ".", "/", "\\", "\u0000", "\n", "\u007f", "\u0085", "\u202e", "\u2215", "\uff0f", "\uff0e", " ", "\t",
            "e\u0301", "€", "😀", "\ud800", "{", "}", "IMG_0001", ".HEIC", "a", "%2e%2e%2f", "C:", "~");

    @Provide
    Arbitrary<String> value() {
        Arbitrary<String> glued = Arbitraries.of(HOSTILE).list().ofMaxSize(10).map(parts -> String.join("", parts));
        return Arbitraries.oneOf(glued, Arbitraries.strings().all().ofMaxLength(60), Arbitraries.strings().ofMaxLength(300));
    }

    @Provide
    Arbitrary<String> template() {
        Arbitrary<String> part = Arbitraries.oneOf(
                Arbitraries.of(PathTemplate.TOKENS.stream().map(t -> "{" + t + "}").toList()),
                Arbitraries.of("Photos", "-", ".", "..", " ", "x", "{", "}", "{nope}", "\\", "\u0000", "/"));
        Arbitrary<String> segment = part.list().ofMinSize(1).ofMaxSize(4).map(p -> String.join("", p));
        return segment.list().ofMinSize(1).ofMaxSize(6).map(s -> String.join("/", s));
    }

    @Provide
    Arbitrary<PathTemplate.Values> values() {
        Arbitrary<ZonedDateTime> when = Arbitraries.longs().between(Instant.parse("1826-01-01T00:00:00Z").getEpochSecond(),
                253402300799L).map(s -> Instant.ofEpochSecond(s).atZone(ZoneOffset.UTC));
        return Combinators.combine(when, value(), value(), value(), value()).as(PathTemplate.Values::new);
    }

    @Property(tries = 2000)
    void aRenderedPathIsSafeAndStable(@ForAll("template") String source, @ForAll("values") PathTemplate.Values v) {
        PathTemplate template;
        try {
            template = PathTemplate.parse(source);
        } catch (IllegalArgumentException refused) {
            assertThat(refused.getMessage()).isNotBlank();
            return;
        }
        List<String> segments;
        try {
            segments = template.render(v);
        } catch (IllegalArgumentException tooLong) {
            assertThat(tooLong.getMessage()).contains("longer than");
            return;
        }
        assertThat(segments).isNotEmpty();
        Path where = ROOT;
        for (String s : segments) {
            assertSafeSegment(s);
            where = where.resolve(s);
        }
        assertThat(where.normalize()).startsWithRaw(ROOT).isNotEqualTo(ROOT).isEqualTo(where);
        assertThat(template.render(v)).as("same job, same path").isEqualTo(segments);
    }

    @Property(tries = 1500)
    void theDefaultTemplateKeepsAnyFileNameInsideTheRoot(@ForAll("values") PathTemplate.Values v) {
        PathTemplate template = PathTemplate.parse("Photos/{user}/{device}/{resourceType}/{yyyy}/{MM}/{dd}/{basename}.{ext}");
        try {
            List<String> segments = template.render(v);
            assertThat(segments).hasSize(8).allSatisfy(PathTemplateFuzzTest::assertSafeSegment);
            Path where = segments.stream().reduce(ROOT, Path::resolve, (a, b) -> b);
            assertThat(where.normalize()).isEqualTo(where).startsWithRaw(ROOT);
        } catch (IllegalArgumentException tooLong) {
            assertThat(tooLong.getMessage()).contains("longer than");
        }
    }

    @Property(tries = 2000)
    void safeSegmentIsSafeAndIdempotent(@ForAll("value") String text) {
        String once = FileNames.safeSegment(text);
        assertSafeSegment(once);
        assertThat(FileNames.safeSegment(once)).isEqualTo(once);
    }

    static void assertSafeSegment(String s) {
        assertThat(s).isNotEmpty().isNotIn(".", "..").doesNotContain("/").doesNotContain("\\");
        assertThat(s.chars().noneMatch(c -> c == 0 || Character.isISOControl(c))).as("no control characters in %s", s).isTrue();
        assertThat(s).isEqualTo(s.strip());
        assertThat(new String(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), java.nio.charset.StandardCharsets.UTF_8))
                .as("well-formed text (no lone surrogate)").isEqualTo(s);
    }
}
