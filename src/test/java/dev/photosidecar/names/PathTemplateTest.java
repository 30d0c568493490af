package dev.photosidecar.names;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.names.FileNames;
import dev.photosidecar.names.PathTemplate;
import dev.photosidecar.support.UnitTest;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@UnitTest
class PathTemplateTest {
    private static final PathTemplate.Values VALUES = new PathTemplate.Values(
            ZonedDateTime.of(2024, 5, 1, 10, 15, 30, 0, ZoneOffset.UTC), "alice", "Alice's iPhone", "IMG_0001.HEIC", "photo");

    @Test
    void defaultTemplateFilesByYearAndMonth() {
        assertThat(PathTemplate.parse("Photos/{yyyy}/{MM}/{filename}").render(VALUES))
                .containsExactly("Photos", "2024", "05", "IMG_0001.HEIC");
    }

    @Test
    void everyTokenRenders() {
        assertThat(PathTemplate.parse("{user}/{device}/{resourceType}/{yyyy}-{MM}-{dd}/{basename}.{ext}").render(VALUES))
                .containsExactly("alice", "Alice's iPhone", "photo", "2024-05-01", "IMG_0001.HEIC");
    }

    @Test
    void tokenValuesCannotEscapeTheirSegment() {
        PathTemplate.Values hostile = new PathTemplate.Values(VALUES.createdAt(), "alice", "../../etc", "..", "photo");
        assertThat(PathTemplate.parse("{device}/{filename}").render(hostile)).containsExactly(".._.._etc", "_");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "/abs/{filename}          | no leading '/'",
        "Photos/../{filename}     | '.' or '..'",
        "Photos//{filename}       | empty folder name",
        "Photos/{yyyy}            | {filename} or {basename}",
        "Photos/{year}/{filename} | unknown token {year}",
        "Photos/{yyyy/{filename}  | '{' without its '}'",
        "Photos\\{filename}       | '\\'",
    })
    void badTemplatesAreRefusedSayingWhy(String template, String message) {
        assertThatThrownBy(() -> PathTemplate.parse(template)).hasMessageContaining(message);
    }

    @Test
    void numberedCopiesKeepTheExtension() {
        assertThat(FileNames.numbered("IMG_1.HEIC", 1)).isEqualTo("IMG_1 (1).HEIC");
        assertThat(FileNames.numbered("README", 2)).isEqualTo("README (2)");
        assertThat(FileNames.numbered(".hidden", 1)).isEqualTo(".hidden (1)");
        assertThat(FileNames.numbered("a.tar.gz", 3)).isEqualTo("a.tar (3).gz");
    }
}
