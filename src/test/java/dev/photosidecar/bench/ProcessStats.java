package dev.photosidecar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Linux says about a process in {@code /proc/PID}: its CPU time (user + system, all threads) and its
 * resident memory now and at its peak. Used for the sidecar's JVM and for the references (node, the benchmark's
 * own JVM) alike, so the figures compare like with like.
 */
final class ProcessStats {
    private ProcessStats() {
    }

    /** CPU seconds (utime + stime) the process has used so far, or NaN once it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 14 and 15 of proc(5) (utime, stime) are 11 and 12 after the command name, in clock ticks (100/s)
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * CPU seconds the process's children used and that it has already waited for (cutime + cstime): for the
     * benchmark's own JVM, the curl clients it ran and reaped; for a PostgreSQL postmaster, its ended backends.
     */
    static double reapedChildrenCpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // fields 16 and 17 of proc(5) (cutime, cstime)
            return (Long.parseLong(f[13]) + Long.parseLong(f[14])) / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /**
     * CPU seconds the whole machine has spent busy so far (every CPU's user, nice, system, irq, softirq and steal
     * time from {@code /proc/stat}; idle and iowait are not work): the total the per-process figures are part of.
     */
    static double machineBusySeconds() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long ticks = 0;
            for (int i : new int[] {1, 2, 3, 6, 7, 8}) {
                ticks += Long.parseLong(f[i]);
            }
            return ticks / 100.0;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** The resident set now (VmRSS), in bytes; 0 once the process is gone. */
    static long rssBytes(long pid) {
        return statusField(pid, "VmRSS:");
    }

    /** The resident set's high-water mark (VmHWM), in bytes; 0 once the process is gone. */
    static long peakRssBytes(long pid) {
        return statusField(pid, "VmHWM:");
    }

    /** Whether the process has {@code file} mapped (e.g. the JVM its class-data-sharing archive). */
    static boolean maps(long pid, Path file) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(pid), "maps")).contains(file.toAbsolutePath().toString());
        } catch (IOException e) {
            return false;
        }
    }

    private static long statusField(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | RuntimeException gone) {
            // the process ended
        }
        return 0;
    }
}
