package dev.photosidecar.ledger.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.support.UnitTest;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** SIDECAR_DATABASE_URL is read in both spellings operators copy, and every mistake names the bad part. */
@UnitTest
class PostgresUrlTest {

    @Test
    void libpqFormGivesHostPortDatabaseCredentialsAndParameters() {
        PostgresUrl url = PostgresUrl.parse("postgresql://sidecar:s3cret@db.example.org:6543/photos?sslmode=require", null, null);

        assertThat(url.hosts()).containsExactly("db.example.org:6543");
        assertThat(url.database()).isEqualTo("photos");
        assertThat(url.user()).isEqualTo("sidecar");
        assertThat(url.password()).contains("s3cret");
        assertThat(url.jdbcUrl())
                .isEqualTo("jdbc:postgresql://db.example.org:6543/photos?sslmode=require&ApplicationName=photo-sidecar");
    }

    @Test
    void jdbcFormDefaultsThePortAndTakesCredentialsFromTheSettings() {
        PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://db/photos", "sidecar", "pw");

        assertThat(url.hosts()).containsExactly("db:5432");
        assertThat(url.user()).isEqualTo("sidecar");
        assertThat(url.password()).contains("pw");
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/photos?ApplicationName=photo-sidecar");
    }

    @Test
    void jdbcShortFormMeansLocalhost() {
        assertThat(PostgresUrl.parse("jdbc:postgresql:photos", "u", null).hosts()).containsExactly("localhost:5432");
    }

    @Test
    void postgresSchemeIsLibpqsOtherSpelling() {
        assertThat(PostgresUrl.parse("postgres://u@h/d", null, null).hosts()).containsExactly("h:5432");
    }

    @Test
    void severalHostsAndIpv6AddressesAreKeptInOrder() {
        PostgresUrl url = PostgresUrl.parse("postgresql://u@[::1]:5433,10.0.0.2,db-3:7000/d", null, null);
        assertThat(url.hosts()).containsExactly("[::1]:5433", "10.0.0.2:5432", "db-3:7000");
        assertThat(url.jdbcUrl()).startsWith("jdbc:postgresql://[::1]:5433,10.0.0.2:5432,db-3:7000/d?");
    }

    @Test
    void separateUserAndPasswordSettingsWinOverTheUrls() {
        PostgresUrl url = PostgresUrl.parse("postgresql://inurl:urlpw@h/d?user=inparam", "fromenv", "envpw");
        assertThat(url.user()).isEqualTo("fromenv");
        assertThat(url.password()).contains("envpw");

        PostgresUrl blankSettings = PostgresUrl.parse("postgresql://inurl:urlpw@h/d", " ", "");
        assertThat(blankSettings.user()).isEqualTo("inurl");
        assertThat(blankSettings.password()).contains("urlpw");
    }

    @Test
    void queryUserAndPasswordCountAsCredentialsAndNeverReachTheJdbcUrl() {
        PostgresUrl url = PostgresUrl.parse("jdbc:postgresql://h/d?user=u&password=p%26w", null, null);
        assertThat(url.user()).isEqualTo("u");
        assertThat(url.password()).contains("p&w");
        assertThat(url.jdbcUrl()).doesNotContain("user=").doesNotContain("password");
    }

    @Test
    void percentEscapesAreDecodedAndAPlusStaysAPlus() {
        PostgresUrl url = PostgresUrl.parse("postgresql://ph%40tos:a%3Ab+c@h/my%20photos", null, null);
        assertThat(url.user()).isEqualTo("ph@tos");
        assertThat(url.password()).contains("a:b+c");
        assertThat(url.database()).isEqualTo("my photos");
        assertThat(url.jdbcUrl()).contains("/my+photos?");
    }

    @Test
    void aPasswordWithUnescapedSlashQuestionMarkOrAtSignIsStillThePassword() {
        for (String password : List.of("pa/ss", "pa?ss", "p@ss", "a/b?c@d")) {
            PostgresUrl url = PostgresUrl.parse("postgresql://u:" + password + "@h:5433/d?sslmode=require", null, null);
            assertThat(url.password()).as(password).contains(password);
            assertThat(url.hosts()).containsExactly("h:5433");
            assertThat(url.database()).isEqualTo("d");
            assertThat(url.parameters()).containsEntry("sslmode", "require");
        }
    }

    @Test
    void anAtSignAfterTheHostsBelongsToTheParameters() {
        PostgresUrl url = PostgresUrl.parse("postgresql://h/d?application_name=me@there", "u", null);
        assertThat(url.user()).isEqualTo("u");
        assertThat(url.hosts()).containsExactly("h:5432");
        assertThat(url.parameters()).containsEntry("ApplicationName", "me@there");
    }

    @Test
    void libpqParameterNamesBecomeTheDriversAndAnExplicitApplicationNameIsKept() {
        PostgresUrl url = PostgresUrl.parse("postgresql://u@h/d?connect_timeout=5&application_name=sidecar-2", null, null);
        assertThat(url.parameters()).isEqualTo(Map.of("connectTimeout", "5", "ApplicationName", "sidecar-2"));
    }

    @Test
    void noPasswordIsFineForTrustOrCertificateAuthentication() {
        assertThat(PostgresUrl.parse("postgresql://u@h/d", null, null).password()).isEqualTo(Optional.empty());
    }

    @Test
    void toStringNamesWhereAndWhoButNeverThePassword() {
        PostgresUrl url = PostgresUrl.parse("postgresql://u:topsecret@h:1/d", null, null);
        assertThat(url.toString()).isEqualTo("postgresql://u:***@h:1/d").doesNotContain("topsecret");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "mysql://u@h/d                           | must start with postgresql:// or jdbc:postgresql: (it starts with 'mysql:')",
        "postgresql://u@h:54x2/d                 | has the port '54x2' for h, not a number from 1 to 65535",
        "postgresql://u@h:70000/d                | has the port '70000' for h, not a number from 1 to 65535",
        "postgresql://u@h:5432                   | names no database",
        "postgresql://u@h:5432/                  | names no database",
        "postgresql://u@/d                       | names no host",
        "postgresql://u@h,,g/d                   | has an empty host in its list of hosts",
        "postgresql://u@:5432/d                  | has a port without a host: ':5432'",
        "postgresql://u@h_$x/d                   | has a host name with characters a host name cannot have: 'h_$x'",
        "postgresql://u@[::1/d                   | has an IPv6 address without its closing ']'",
        "postgresql://u@h/d?sslmod=require       | has the parameter 'sslmod', which the PostgreSQL driver does not know",
        "postgresql://u@h/d?sslmode=always       | has sslmode='always'; it must be one of disable, allow, prefer, require, verify-ca, verify-full",
        "postgresql://u@h/d?sslmode              | has a parameter that is not NAME=VALUE: 'sslmode'",
        "postgresql://u@h/d?host=/run/postgresql | parameter 'host' is not supported",
        "postgresql://u@h/d?sslmode=require&sslmode=disable | gives the parameter 'sslmode' twice",
        "postgresql://u@h/a%2Fb                  | has a database name with a '/' in it: 'a/b'",
        "postgresql://u@h/d%zz                   | has a broken %-escape in the database name",
        "postgresql://h/d                        | names no user: set SIDECAR_DATABASE_USER",
        "jdbc:postgresql://u:pw@h/d              | jdbc:postgresql: URLs cannot carry a user before the host ('…@h')",
    })
    void everyMistakeNamesTheBadPart(String url, String expected) {
        assertThatThrownBy(() -> PostgresUrl.parse(url, null, null))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("SIDECAR_DATABASE_URL " + expected.strip());
    }

    @Test
    void anEmptySettingIsAnError() {
        for (String empty : new String[] {null, "", "  "}) {
            assertThatThrownBy(() -> PostgresUrl.parse(empty, "u", "p")).hasMessageContaining("SIDECAR_DATABASE_URL is empty");
        }
    }

    @Test
    void messagesNeverCarryThePassword() {
        for (String url : List.of("postgresql://u:topsecret@h:x/d", "postgresql://u:topsecret@h/d?nope=1",
                "postgresql://u:top/secret@h:x/d", "postgresql://u:top?secret@h", "postgresql://u:top/secret@h",
                "jdbc:postgresql://u:topsecret@h/d", "postgresql://u:top%zzsecret@h/d",
                "jdbc:postgresql://h/d?password=top%zzsecret", "jdbc:postgresql://u:topsecret@h/d?password=topsecret")) {
            assertThatThrownBy(() -> PostgresUrl.parse(url, null, null))
                    .isInstanceOf(ConfigException.class)
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret").doesNotContain("top"));
        }
    }
}
