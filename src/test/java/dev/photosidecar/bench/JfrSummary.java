package dev.photosidecar.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Reads a flight recording with the JDK's {@code jfr print} and counts where the samples fall: the top frame
 * of Java samples (self time), the top frame of native samples (threads blocked in native code: fsync,
 * socket reads), and for both the first frame in the sidecar's own code (which of our calls led there).
 */
final class JfrSummary {
    private JfrSummary() {
    }

    static String summarise(Path recording, int top) throws IOException, InterruptedException {
        StringBuilder sb = new StringBuilder();
        for (String event : List.of("jdk.ExecutionSample", "jdk.NativeMethodSample")) {
            List<List<String>> stacks = stacks(recording, event);
            sb.append("#### ").append(event).append(" (").append(stacks.size()).append(" samples)\n\n");
            sb.append("Top frames (self):\n\n");
            append(sb, count(stacks, false), stacks.size(), top);
            sb.append("\nFirst frame in dev.photosidecar (what our code was doing):\n\n");
            append(sb, count(stacks, true), stacks.size(), top);
            sb.append('\n');
        }
        return sb.toString();
    }

    private static Map<String, Integer> count(List<List<String>> stacks, boolean ours) {
        Map<String, Integer> counts = new HashMap<>();
        for (List<String> s : stacks) {
            String frame = ours
                    ? s.stream().filter(f -> f.startsWith("dev.photosidecar.")).findFirst().orElse("(outside dev.photosidecar)")
                    : s.isEmpty() ? "(no stack)" : s.get(0);
            counts.merge(frame, 1, Integer::sum);
        }
        return counts;
    }

    private static void append(StringBuilder sb, Map<String, Integer> counts, int total, int top) {
        Map<String, Integer> sorted = counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed()).limit(top)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a, LinkedHashMap::new));
        sb.append("| samples | share | frame |\n| --- | --- | --- |\n");
        sorted.forEach((frame, n) -> sb.append(String.format(java.util.Locale.ROOT, "| %d | %.1f %% | `%s` |%n",
                n, 100.0 * n / Math.max(1, total), frame)));
    }

    /** The stack of every {@code event} in the recording, top frame first, without line numbers. */
    static List<List<String>> stacks(Path recording, String event) throws IOException, InterruptedException {
        List<List<String>> stacks = new java.util.ArrayList<>();
        List<String> current = null;
        for (String line : print(recording, event, 64)) {
            String t = line.trim();
            if (t.startsWith("stackTrace = [")) {
                current = new java.util.ArrayList<>();
            } else if (current != null && t.equals("]")) {
                stacks.add(current);
                current = null;
            } else if (current != null && !t.equals("...")) {
                int cut = t.indexOf(" line:");
                current.add(cut > 0 ? t.substring(0, cut) : t);
            }
        }
        return stacks;
    }

    /** {@code jfr print --events EVENT} of the recording, as lines. */
    static List<String> print(Path recording, String event, int stackDepth) throws IOException, InterruptedException {
        Path jfr = Path.of(System.getProperty("java.home"), "bin", "jfr");
        Path out = Files.createTempFile("jfr-", ".txt");
        try {
            Process p = new ProcessBuilder(jfr.toString(), "print", "--stack-depth", String.valueOf(stackDepth), "--events", event,
                    recording.toString()).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (p.waitFor() != 0) {
                throw new IOException("jfr print failed: " + Files.readString(out));
            }
            return Files.readAllLines(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
