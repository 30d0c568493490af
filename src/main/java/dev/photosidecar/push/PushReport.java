package dev.photosidecar.push;

import dev.photosidecar.config.Units;
import dev.photosidecar.push.UploadResult.Outcome;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The outcome of a push: per-file results, what waiting and acknowledging found, and the exit status.
 * Rendered as a table with the problems listed under it, or as JSON.
 */
public record PushReport(String folder, String server, List<UploadResult> results, List<String> unreadable,
                         long uploadNanos, long totalNanos, int retries, Optional<List<WatchedJob>> delivery,
                         Optional<Acknowledged> acknowledged) {
    private static final int PROBLEMS_SHOWN = 20;

    public long count(Outcome o) {
        return results.stream().filter(r -> r.outcome() == o).count();
    }

    public long bytes(Outcome o) {
        return results.stream().filter(r -> r.outcome() == o).mapToLong(r -> r.file().size()).sum();
    }

    private long sentBytes() {
        return results.stream().filter(r -> r.outcome() != Outcome.ALREADY_THERE || r.jobId().isPresent())
                .mapToLong(r -> r.file().size()).sum();
    }

    public long delivered() {
        return delivery.map(d -> d.stream().filter(j -> j.state().equals("succeeded") || j.state().equals("acknowledged"))
                .count()).orElse(0L);
    }

    public long deliveryFailed() {
        return delivery.map(d -> d.stream().filter(j -> !j.waiting() && !j.state().equals("succeeded")
                && !j.state().equals("acknowledged")).count()).orElse(0L);
    }

    public long stillWaiting() {
        return delivery.map(d -> d.stream().filter(WatchedJob::waiting).count()).orElse(0L);
    }

    /** 0 when every file is on the server (and, with --wait, delivered); 1 when anything failed or conflicted. */
    public int exitCode() {
        boolean problems = count(Outcome.CONFLICT) + count(Outcome.FAILED) + deliveryFailed() + stillWaiting() > 0
                || acknowledged.map(a -> !a.problems().isEmpty()).orElse(false);
        return problems ? 1 : 0;
    }

    private double uploadRate() {
        return uploadNanos > 0 ? sentBytes() / (uploadNanos / 1e9) : 0;
    }

    public List<String> header() {
        return List.of("RESULT", "FILES", "BYTES");
    }

    public List<List<String>> rows() {
        List<List<String>> rows = new ArrayList<>();
        rows.add(row("uploaded", count(Outcome.UPLOADED), bytes(Outcome.UPLOADED)));
        rows.add(row("already there", count(Outcome.ALREADY_THERE), bytes(Outcome.ALREADY_THERE)));
        rows.add(row("conflicts", count(Outcome.CONFLICT), bytes(Outcome.CONFLICT)));
        rows.add(row("failed", count(Outcome.FAILED), bytes(Outcome.FAILED)));
        rows.add(row("total", results.size(), results.stream().mapToLong(r -> r.file().size()).sum()));
        if (delivery.isPresent()) {
            rows.add(List.of("delivered", String.valueOf(delivered()), ""));
            rows.add(List.of("delivery failed", String.valueOf(deliveryFailed()), ""));
            rows.add(List.of("still waiting", String.valueOf(stillWaiting()), ""));
        }
        acknowledged.ifPresent(a -> rows.add(List.of("acknowledged", String.valueOf(a.count()), "")));
        return rows;
    }

    private static List<String> row(String name, long files, long bytes) {
        return List.of(name, String.valueOf(files), Units.formatBytes(bytes));
    }

    /** "time 12.3s, upload rate 4.1 MB/s". */
    public String timing() {
        return "time " + Human.duration(totalNanos / 1_000_000) + ", upload rate " + Human.rate(uploadRate())
                + (retries > 0 ? ", " + retries + " retries" : "");
    }

    /** One line per file that conflicted or failed (the first few), then the delivery and acknowledge problems. */
    public List<String> problems() {
        List<String> lines = new ArrayList<>();
        for (UploadResult r : results) {
            if (r.outcome() == Outcome.CONFLICT || r.outcome() == Outcome.FAILED) {
                lines.add((r.outcome() == Outcome.CONFLICT ? "conflict  " : "failed    ") + r.file().relativePath() + ": "
                        + r.message());
            }
        }
        delivery.ifPresent(d -> d.stream().filter(j -> !j.state().equals("succeeded") && !j.state().equals("acknowledged"))
                .forEach(j -> lines.add((j.waiting() ? "waiting   " : "not delivered  ") + j.file() + ": " + j.state()
                        + j.lastError().map(e -> " (" + e + ")").orElse(""))));
        acknowledged.ifPresent(a -> a.problems().forEach(p -> lines.add("acknowledge  " + p)));
        unreadable.forEach(u -> lines.add("skipped   " + u));
        if (lines.size() > PROBLEMS_SHOWN) {
            int more = lines.size() - PROBLEMS_SHOWN;
            List<String> shown = new ArrayList<>(lines.subList(0, PROBLEMS_SHOWN));
            shown.add("… and " + more + " more (--json lists them all)");
            return shown;
        }
        return lines;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("folder", folder);
        m.put("server", server);
        m.put("files", results.size());
        m.put("uploaded", count(Outcome.UPLOADED));
        m.put("alreadyThere", count(Outcome.ALREADY_THERE));
        m.put("conflicts", count(Outcome.CONFLICT));
        m.put("failed", count(Outcome.FAILED));
        m.put("bytesUploaded", bytes(Outcome.UPLOADED));
        m.put("bytesTotal", results.stream().mapToLong(r -> r.file().size()).sum());
        m.put("retries", retries);
        m.put("seconds", Math.round(totalNanos / 1e6) / 1000.0);
        m.put("uploadMegabytesPerSecond", Math.round(uploadRate() / 1e4) / 100.0);
        List<Map<String, Object>> problems = new ArrayList<>();
        for (UploadResult r : results) {
            if (r.outcome() == Outcome.CONFLICT || r.outcome() == Outcome.FAILED) {
                Map<String, Object> p = new LinkedHashMap<>();
                p.put("file", r.file().relativePath());
                p.put("key", r.file().key());
                p.put("outcome", r.outcome() == Outcome.CONFLICT ? "conflict" : "failed");
                p.put("message", r.message());
                problems.add(p);
            }
        }
        m.put("problems", problems);
        m.put("skipped", unreadable);
        delivery.ifPresent(d -> {
            Map<String, Object> w = new LinkedHashMap<>();
            w.put("delivered", delivered());
            w.put("failed", deliveryFailed());
            w.put("stillWaiting", stillWaiting());
            w.put("notDelivered", d.stream().filter(j -> !j.state().equals("succeeded") && !j.state().equals("acknowledged"))
                    .map(j -> {
                        Map<String, Object> n = new LinkedHashMap<>();
                        n.put("file", j.file());
                        n.put("jobId", j.id().orElse(null));
                        n.put("state", j.state());
                        n.put("lastError", j.lastError().orElse(null));
                        return n;
                    }).toList());
            m.put("delivery", w);
        });
        acknowledged.ifPresent(a -> m.put("acknowledge", Map.of("acknowledged", a.count(), "problems", a.problems())));
        m.put("exitCode", exitCode());
        return m;
    }
}
