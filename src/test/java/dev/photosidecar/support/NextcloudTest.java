package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The Nextcloud tier: needs a real Nextcloud named by the {@code NEXTCLOUD_*} variables (docs/nextcloud.md);
 * without them these tests are skipped, saying so. Tests that only play Nextcloud's side of the ExApp calls
 * against the sidecar are functional.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.NEXTCLOUD)
@net.jqwik.api.Tag(Tiers.NEXTCLOUD) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface NextcloudTest {
}
