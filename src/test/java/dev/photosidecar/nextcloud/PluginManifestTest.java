package dev.photosidecar.nextcloud;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.photosidecar.support.UnitTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** plugin-manifest.json is checked in the build: against its schema, the build's version, and the real routes. */
@UnitTest
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
    void theRouteRegexesMatchTheSidecarsPathsAsAppApiMatchesThem() throws Exception {
        JsonNode routes = JSON.readTree(Files.readString(ROOT.resolve("plugin-manifest.json"))).path("routes");
        assertThat(routes).hasSize(2);
        Pattern devices = appApiPattern(routes.get(0));
        assertThat(routes.get(0).path("access_level").asInt()).as("any logged-in user enrolls a phone").isEqualTo(1);
        assertThat(devices.matcher("exapp/devices").find()).isTrue();
        assertThat(devices.matcher("exapp/devices/../../v1/jobs").find()).isFalse();
        assertThat(devices.matcher("v1/uploads/x").find()).isFalse();

        // The status page is for Nextcloud's admins only, and only the page's own paths.
        Pattern admin = appApiPattern(routes.get(1));
        assertThat(routes.get(1).path("access_level").asInt()).as("ADMIN").isEqualTo(2);
        assertThat(routes.get(1).path("verb").asText()).isEqualTo("GET,POST");
        for (String ok : new String[] {"admin", "admin/status.json", "admin/assets/admin.css", "admin/jobs/2abcdefgh7/retry",
                "admin/jobs/abc/cancel"}) {
            assertThat(admin.matcher(ok).find()).as(ok).isTrue();
        }
        for (String no : new String[] {"administrator", "admin/../v1/jobs", "admin/./x", "admin/assets/../../v1/jobs", "admin//x",
                "v1/jobs", "exapp/devices", "x/admin", "admin/jobs/a b"}) {
            assertThat(admin.matcher(no).find()).as(no).isFalse();
        }
        assertThat(devices.matcher("admin").find()).isFalse();
    }

    /** AppAPI: preg_match('/' . url . '/i', path), with the path after /proxy/photo_sidecar/. */
    private static Pattern appApiPattern(JsonNode route) {
        return Pattern.compile(route.path("url").asText().replace("\\/", "/"), Pattern.CASE_INSENSITIVE);
    }
}
