package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * Not a test tier: marks the benchmark ({@code mvn -Pbench verify}, docs/performance.md): normal builds never
 * run these classes (the default surefire includes leave out {@code *Bench}); the tag keeps them out of
 * every tier that {@code -Dgroups} selects.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.BENCH)
@net.jqwik.api.Tag(Tiers.BENCH) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface Benchmark {
}
