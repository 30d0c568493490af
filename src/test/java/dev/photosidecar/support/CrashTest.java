package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The crash tier: kills processes, fills disks, starves heaps, or runs fault scenarios that take minutes.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.CRASH)
@net.jqwik.api.Tag(Tiers.CRASH) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface CrashTest {
}
