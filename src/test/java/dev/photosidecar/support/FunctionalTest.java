package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The functional tier: the real sidecar (in process or as a child JVM) on loopback, a real SQLite file,
 * real third-party clients such as tus-js-client; no WebDAV server, no process kills.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.FUNCTIONAL)
@net.jqwik.api.Tag(Tiers.FUNCTIONAL) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface FunctionalTest {
}
