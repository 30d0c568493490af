package dev.photosidecar.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.support.FunctionalTest;
import dev.photosidecar.support.TestSidecar;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/openapi.yaml and the running server describe the same routes and the same error codes. */
@FunctionalTest
class OpenApiConformanceTest {
    private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));
    private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

    @TempDir
    Path temp;

    private static JsonNode openapi() throws Exception {
        return new ObjectMapper(new YAMLFactory()).readTree(ROOT.resolve("docs/openapi.yaml").toFile());
    }

    private static Set<String> documented(JsonNode api, boolean exAppOnly) {
        Set<String> out = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = api.path("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> ops = path.getValue().fields(); ops.hasNext(); ) {
                Map.Entry<String, JsonNode> op = ops.next();
                if (METHODS.contains(op.getKey()) && op.getValue().path("x-exapp-only").asBoolean(false) == exAppOnly) {
                    out.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
                }
            }
        }
        return out;
    }

    private static Set<String> served(TestSidecar s) {
        return s.app().api().routes().stream().filter(r -> !r.split(" ")[1].startsWith("/admin"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void everyRouteTheServerHasIsDocumentedAndEveryDocumentedRouteExists() throws Exception {
        JsonNode api = openapi();
        try (TestSidecar s = TestSidecar.start(temp.resolve("plain"), Map.of())) {
            assertThat(served(s)).containsExactlyInAnyOrderElementsOf(documented(api, false));
        }
        ExAppIdentity.create(temp.resolve("exapp"));
        try (TestSidecar s = TestSidecar.start(temp.resolve("exapp"), Map.of("SIDECAR_TARGET", "nextcloud",
                "SIDECAR_WEBDAV_URL", "http://127.0.0.1:9/"))) {
            Set<String> both = new TreeSet<>(documented(api, false));
            both.addAll(documented(api, true));
            assertThat(served(s)).containsExactlyInAnyOrderElementsOf(both);
        }
    }

    @Test
    void theDocumentedErrorCodesAreExactlyTheServers() throws Exception {
        Set<String> documented = new TreeSet<>();
        openapi().path("components").path("schemas").path("ErrorCode").path("enum").forEach(c -> documented.add(c.asText()));
        assertThat(documented).containsExactlyInAnyOrderElementsOf(
                Arrays.stream(ErrorCode.values()).map(Enum::name).collect(Collectors.toSet()));
    }
}
