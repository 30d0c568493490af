package dev.photosidecar.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.platform.commons.annotation.Testable;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;

/**
 * Every test class carries exactly one tier tag, so that {@code -Dgroups=unit} runs every fast test and
 * nothing slow, and no test falls between the tiers and runs only in the full build.
 */
@UnitTest
class TierTagsTest {

    @Test
    void everyCompiledTestClassHasExactlyOneTier() throws IOException, URISyntaxException {
        Path classes = Path.of(TierTagsTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes).as("the compiled test classes, read from a folder").isDirectory();

        List<String> checked = new ArrayList<>();
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).sorted().toList()) {
                Class<?> type = load(classes, file);
                if (!isConcrete(type)) {
                    continue;
                }
                // Each engine reads its own tag annotation, so each engine a class runs on must see the tier.
                Set<String> jupiterTiers = runsOn(type, false) ? tiersOf(type, Tag.class, Tag::value) : null;
                Set<String> jqwikTiers = runsOn(type, true) ? tiersOf(type, net.jqwik.api.Tag.class, net.jqwik.api.Tag::value) : null;
                if (jupiterTiers == null && jqwikTiers == null) {
                    continue;
                }
                checked.add(type.getName());
                Set<String> all = new TreeSet<>();
                boolean ok = true;
                for (Set<String> tiers : Arrays.asList(jupiterTiers, jqwikTiers)) {
                    if (tiers != null) {
                        ok &= tiers.size() == 1;
                        all.addAll(tiers);
                    }
                }
                if (!ok || all.size() != 1) {
                    wrong.add(type.getName() + " " + (jupiterTiers == null ? "" : "JUnit tags " + jupiterTiers + " ")
                            + (jqwikTiers == null ? "" : "jqwik tags " + jqwikTiers));
                }
            }
        }

        // Guards against a scan that finds nothing and so passes: this class must have been among them.
        assertThat(checked).as("test classes found under " + classes).contains(TierTagsTest.class.getName());
        assertThat(wrong).as("test classes without exactly one of the tiers " + Tiers.ALL
                + " (annotate each with one tier annotation from dev.photosidecar.support: @UnitTest, @FunctionalTest, ...;"
                + " an abstract base class shared by several tiers carries none)").isEmpty();
    }

    private static Class<?> load(Path root, Path file) {
        String relative = root.relativize(file).toString();
        String name = relative.substring(0, relative.length() - ".class".length()).replace(file.getFileSystem().getSeparator(), ".");
        try {
            // Not initialised: loading must not start servers or read the environment.
            return Class.forName(name, false, TierTagsTest.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new AssertionError("cannot load " + name + " from " + file, e);
        }
    }

    private static boolean isConcrete(Class<?> type) {
        return !type.isInterface() && !type.isAnnotation() && !Modifier.isAbstract(type.getModifiers());
    }

    /** Whether the class has test methods for jqwik (@Property, @Example) or for Jupiter (@Test, @ParameterizedTest...). */
    private static boolean runsOn(Class<?> type, boolean jqwik) {
        return !ReflectionSupport.findMethods(type, m -> AnnotationSupport.isAnnotated(m, Testable.class)
                && AnnotationSupport.isAnnotated(m, Property.class) == jqwik, HierarchyTraversalMode.TOP_DOWN).isEmpty();
    }

    /** The tier tags an engine sees on a class: direct, through meta-annotations, inherited, and a @Nested class's outer ones. */
    private static <A extends Annotation> Set<String> tiersOf(Class<?> type, Class<A> tag, Function<A, String> value) {
        Set<String> tiers = new TreeSet<>();
        for (Class<?> c = type; c != null; c = AnnotationSupport.isAnnotated(c, Nested.class) ? c.getEnclosingClass() : null) {
            AnnotationSupport.findRepeatableAnnotations(c, tag).stream().map(value).filter(Tiers.ALL::contains).forEach(tiers::add);
        }
        return tiers;
    }
}
