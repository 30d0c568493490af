package dev.photosidecar.ledger;

import java.util.List;
import java.util.ServiceLoader;

/**
 * How a ledger implementation recognises its database's own errors that the layers above must tell apart without
 * knowing the database: today, "the disk is full". Each implementation registers one (a {@link ServiceLoader}
 * provider in {@code META-INF/services}), so that code that sees an exception from anywhere (the HTTP edge, the
 * spool's {@code DiskFull}) can ask without importing a database driver.
 */
public interface LedgerErrors {
    /** Whether {@code error} itself (not its causes: the caller walks those) says the database's disk is full. */
    boolean isDiskFull(Throwable error);

    /** Whether any registered implementation recognises {@code error} as its database's disk being full. */
    static boolean diskFull(Throwable error) {
        for (LedgerErrors errors : Registered.ALL) {
            if (errors.isDiskFull(error)) {
                return true;
            }
        }
        return false;
    }

    /** The implementations on the class path, loaded once. */
    final class Registered {
        static final List<LedgerErrors> ALL = ServiceLoader.load(LedgerErrors.class).stream()
                .map(ServiceLoader.Provider::get).toList();

        private Registered() {
        }
    }
}
