package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The fast tier ({@code mvn test -Dgroups=unit}): decisions, parsers and policies, with no server, no
 * socket and no child process; an in-memory value or a temporary SQLite file is fine. Keep it under a
 * minute: a test that needs time to pass belongs in another tier.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.UNIT)
@net.jqwik.api.Tag(Tiers.UNIT) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface UnitTest {
}
