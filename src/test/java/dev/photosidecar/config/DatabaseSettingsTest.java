package dev.photosidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** SIDECAR_DATABASE_URL and its credentials: read once, refused with the key, never printed with a password. */
@UnitTest
class DatabaseSettingsTest {
    private static SidecarConfig load(Map<String, String> env) {
        return new ConfigLoader(env, Optional.empty()).load();
    }

    @Test
    void withoutADatabaseUrlTheLedgerIsTheEmbeddedSqliteFile() {
        assertThat(load(Map.of()).database()).isEmpty();
        assertThat(load(Map.of("SIDECAR_DATABASE_URL", " ")).database()).isEmpty();
    }

    @Test
    void aPostgresqlUrlWithSeparateCredentialsIsKeptWithThem() {
        SidecarConfig c = load(Map.of("SIDECAR_DATABASE_URL", "postgresql://db.internal:5432/sidecar",
                "SIDECAR_DATABASE_USER", "sidecar", "SIDECAR_DATABASE_PASSWORD", "s3cret"));
        DatabaseSettings db = c.database().orElseThrow();
        assertThat(db.url()).isEqualTo("postgresql://db.internal:5432/sidecar");
        assertThat(db.user()).hasValue("sidecar");
        assertThat(db.password()).hasValue("s3cret");
        assertThat(c.toString()).contains("db.internal").doesNotContain("s3cret");
        assertThat(load(Map.of("SIDECAR_DATABASE_URL", "jdbc:postgresql://db/sidecar")).database()).isPresent();
    }

    @Test
    void aPasswordInTheUrlIsNeverPrinted() {
        DatabaseSettings inUserInfo = new DatabaseSettings("postgresql://sidecar:pw-1@db/sidecar", Optional.empty(), Optional.empty());
        DatabaseSettings inQuery = new DatabaseSettings("jdbc:postgresql://db/sidecar?user=sidecar&password=pw-2&ssl=true",
                Optional.empty(), Optional.empty());
        assertThat(inUserInfo.toString()).contains("postgresql://sidecar:***@db/sidecar").doesNotContain("pw-1");
        assertThat(inQuery.safeUrl()).isEqualTo("jdbc:postgresql://db/sidecar?user=sidecar&password=***&ssl=true");
    }

    @Test
    void anotherDatabaseOrCredentialsWithoutAUrlAreRefusedByName() {
        assertThatThrownBy(() -> load(Map.of("SIDECAR_DATABASE_URL", "mysql://root:pw@db/sidecar")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_DATABASE_URL='mysql://***@db/sidecar'")
                .hasMessageContaining("postgresql://")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw"));
        assertThatThrownBy(() -> load(Map.of("SIDECAR_DATABASE_PASSWORD", "pw")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("need SIDECAR_DATABASE_URL");
    }
}
