package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The PostgreSQL tier: needs a real PostgreSQL cluster ({@link PostgresServer}), which
 * {@code bin/test} installs; without it these tests are skipped outside CI, saying so, and fail in CI.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.POSTGRES)
@net.jqwik.api.Tag(Tiers.POSTGRES) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface PostgresTest {
}
