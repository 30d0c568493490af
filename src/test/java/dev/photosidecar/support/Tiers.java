package dev.photosidecar.support;

import java.util.List;

/**
 * The names of the test tiers, as JUnit tags: {@code mvn test -Dgroups=unit} runs one tier,
 * {@code -DexcludedGroups=...} leaves some out. Each test class carries exactly one of them through one of
 * the annotations beside this class ({@link UnitTest}, {@link FunctionalTest}, ...); TierTagsTest checks it.
 */
public final class Tiers {
    public static final String UNIT = "unit";
    public static final String FUNCTIONAL = "functional";
    public static final String WEBDAV = "webdav";
    public static final String CRASH = "crash";
    public static final String BROWSER = "browser";
    public static final String POSTGRES = "postgres";
    public static final String NEXTCLOUD = "nextcloud";
    public static final String BENCH = "bench";

    /** Every tier, fastest first. */
    public static final List<String> ALL = List.of(UNIT, FUNCTIONAL, WEBDAV, POSTGRES, CRASH, BROWSER, NEXTCLOUD, BENCH);

    private Tiers() {
    }
}
