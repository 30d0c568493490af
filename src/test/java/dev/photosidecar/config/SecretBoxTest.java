package dev.photosidecar.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.photosidecar.support.UnitTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@UnitTest
class SecretBoxTest {
    @TempDir
    Path data;

    @Test
    void aKeyFileIsCreatedOwnerOnlyAndSealedValuesOpenAgain() throws Exception {
        SecretBox box = SecretBox.load(Optional.empty(), data);
        byte[] sealed = box.seal("app-password-123", "alice");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data.resolve("secret.key")))).isEqualTo("rw-------");
        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("app-password-123");
        assertThat(SecretBox.load(Optional.empty(), data).open(sealed, "alice")).isEqualTo("app-password-123");
    }

    @Test
    void aValueSealedForOneUserDoesNotOpenForAnother() {
        SecretBox box = SecretBox.load(Optional.empty(), data);
        byte[] sealed = box.seal("secret", "alice");
        assertThatThrownBy(() -> box.open(sealed, "mallory")).hasMessageContaining("cannot be opened");
    }

    @Test
    void theConfiguredKeyWinsAndAnotherKeyCannotOpen() {
        String key = Base64.getEncoder().encodeToString(new byte[32]);
        byte[] sealed = SecretBox.load(Optional.of(key), data).seal("secret", "alice");
        assertThat(Files.exists(data.resolve("secret.key"))).isFalse();
        assertThat(SecretBox.load(Optional.of("a passphrase, stretched"), data).seal("x", "a")).isNotEmpty();
        assertThatThrownBy(() -> SecretBox.load(Optional.empty(), data).open(sealed, "alice"))
                .hasMessageContaining("secret key changed");
    }
}
