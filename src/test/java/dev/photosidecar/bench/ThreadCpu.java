package dev.photosidecar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time per thread of a process ({@code /proc/PID/task/TID/stat}), taken before and after a window and grouped
 * by thread name without its digits: how much of the window went to request threads, delivery workers, the JIT
 * compilers, the garbage collector. A flight recording samples only Java code; this counts every thread, kernel
 * time included.
 */
final class ThreadCpu {
    private final Map<Long, String> names;
    private final Map<Long, Long> ticks;

    private ThreadCpu(Map<Long, String> names, Map<Long, Long> ticks) {
        this.names = names;
        this.ticks = ticks;
    }

    static ThreadCpu snapshot(long pid) throws IOException {
        Map<Long, String> names = new HashMap<>();
        Map<Long, Long> ticks = new HashMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path task : tasks.toList()) {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long tid = Long.parseLong(task.getFileName().toString());
                    names.put(tid, name);
                    ticks.put(tid, Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException threadEnded) {
                    // the thread ended between the listing and the read
                }
            }
        }
        return new ThreadCpu(names, ticks);
    }

    /** Before a process's first instruction: for what a process spent from its start until a snapshot. */
    static ThreadCpu none() {
        return new ThreadCpu(Map.of(), Map.of());
    }

    /** A markdown table: per thread group, the CPU ms per upload it spent between {@code before} and this snapshot. */
    String tableSince(ThreadCpu before, int uploads) {
        return tableSince(before, uploads, "upload");
    }

    /** The same, per {@code unit} ("upload", "start"). */
    String tableSince(ThreadCpu before, int count, String unit) {
        Map<String, Long> byGroup = new HashMap<>();
        ticks.forEach((tid, now) -> byGroup.merge(group(names.get(tid)), now - before.ticks.getOrDefault(tid, 0L), Long::sum));
        long total = byGroup.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Long> sorted = new LinkedHashMap<>();
        byGroup.entrySet().stream().filter(e -> e.getValue() > 0).sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        StringBuilder sb = new StringBuilder("CPU by thread (/proc/PID/task, user + system; threads that ended in the window are "
                + "not counted):\n\n| threads | share | CPU ms per " + unit + " |\n| --- | --- | --- |\n");
        sorted.forEach((g, t) -> sb.append(String.format(Locale.ROOT, "| `%s` | %.1f %% | %.2f |%n", g, 100.0 * t / Math.max(1, total),
                t * 10.0 / count)));
        return sb.toString();
    }

    private static String group(String threadName) {
        return threadName.replaceAll("\\d+", "#");
    }
}
