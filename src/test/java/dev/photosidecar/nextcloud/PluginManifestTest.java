package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** plugin-manifest.json is checked in the build: against its schema, the build's version, and the real routes. */
class PluginManifestTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ROOT = Path.of(System.getProperty("project.basedir", "."));

    @Test
    void theManifestMatchesItsSchemaAndTheBuild() throws Exception {
        JsonNode manifest = JSON.readTree(Files.readString(ROOT.resolve("plugin-manifest.json")));
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(ROOT.resolve("docs/plugin-manifest.schema.json")));
        Set<ValidationMessage> problems = schema.validate(manifest);
        assertThat(problems).as("schema problems").isEmpty();

        assertThat(manifest.path("id").asText()).isEqualTo("photo_sidecar");
        assertThat(manifest.path("version").asText()).as("the version comes from pom.xml")
                .isEqualTo(System.getProperty("project.version"));
        assertThat(manifest.path("port").asInt()).isEqualTo(8420);
    }

    @Test
    void theSchemaCatchesWhatAppApiWouldMisread() throws Exception {
        JsonSchema schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012)
                .getSchema(Files.readString(ROOT.resolve("docs/plugin-manifest.schema.json")));
        JsonNode unanchored = JSON.readTree("""
                {"id":"photo_sidecar","name":"x","version":"1.0.0","port":8420,
                 "routes":[{"url":"exapp/devices","verb":"POST","access_level":1,"headers_to_exclude":["authorization"]}]}""");
        JsonNode leaksAuthorization = JSON.readTree("""
                {"id":"photo_sidecar","name":"x","version":"1.0.0","port":8420,
                 "routes":[{"url":"^devices$","verb":"POST","access_level":1,"headers_to_exclude":[]}]}""");
        assertThat(schema.validate(unanchored)).isNotEmpty();
        assertThat(schema.validate(leaksAuthorization)).isNotEmpty();
    }

    @Test
    void theRouteRegexMatchesTheSidecarsPathAsAppApiMatchesIt() throws Exception {
        JsonNode route = JSON.readTree(Files.readString(ROOT.resolve("plugin-manifest.json"))).path("routes").get(0);
        // AppAPI: preg_match('/' . url . '/i', path), with the path after /proxy/photo_sidecar/.
        Pattern p = Pattern.compile(route.path("url").asText().replace("\\/", "/"), Pattern.CASE_INSENSITIVE);
        assertThat(p.matcher("exapp/devices").find()).isTrue();
        assertThat(p.matcher("exapp/devices/../../v1/jobs").find()).isFalse();
        assertThat(p.matcher("v1/uploads/x").find()).isFalse();
    }
}
