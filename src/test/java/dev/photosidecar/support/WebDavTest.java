package dev.photosidecar.support;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;

/**
 * The WebDAV tier: needs lighttpd, Apache mod_dav_fs or sabre/dav ({@link WebDavServer}), which
 * {@code bin/test} installs; without them these tests are skipped, saying so.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@Tag(Tiers.WEBDAV)
@net.jqwik.api.Tag(Tiers.WEBDAV) // jqwik's engine reads only its own tag; without it -Dgroups would drop the fuzz tests
public @interface WebDavTest {
}
