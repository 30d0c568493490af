package dev.photosidecar.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Puts the disk and the page cache in the same state before every measured phase, so that no system is measured on
 * what an earlier one left behind.
 *
 * <ul>
 *   <li>{@code sync}: lighttpd never fsyncs, and the kernel writes back the gigabytes an earlier phase left dirty while
 *   a later phase runs; on this machine's virtual disk a writer slows to a fraction of its speed then (run 6's
 *   durable reference swung from 275 to 911 files/s).</li>
 *   <li>Dropping the page cache (as root): on these virtual machines a page of memory the guest has never touched is
 *   slow to write the first time (1 GiB into the page cache took 1.9 s with the cache full of earlier phases' files,
 *   0.2–0.4 s once the cache was dropped and its pages were reused), so whichever phase had to grow the cache into
 *   fresh memory lost, by up to 5×.</li>
 *   <li>Reading the phase's input files back, so that every client reads its source from the cache, as before.</li>
 * </ul>
 */
final class DiskSettle {
    private static final Path DROP_CACHES = Path.of("/proc/sys/vm/drop_caches");
    private static boolean warned;

    private DiskSettle() {
    }

    static void settle(List<Path> inputs) throws IOException, InterruptedException {
        Process sync = new ProcessBuilder("sync").redirectErrorStream(true).start();
        if (!sync.waitFor(300, TimeUnit.SECONDS)) {
            sync.destroyForcibly();
            throw new IllegalStateException("sync did not finish within 300 s");
        }
        try {
            Files.writeString(DROP_CACHES, "1");
        } catch (IOException notRoot) {
            if (!warned) {
                warned = true;
                System.out.println("bench: cannot drop the page cache (" + notRoot.getMessage() + "); phases may meet each "
                        + "other's cache: run as root for steadier figures");
            }
        }
        byte[] buf = new byte[1 << 20];
        for (Path input : inputs) {
            try (InputStream in = Files.newInputStream(input)) {
                while (in.read(buf) >= 0) {
                    // only into the page cache
                }
            }
        }
    }
}
