package dev.photosidecar.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Uploads files with one curl process, {@code parallel} transfers at a time over reused connections
 * ({@code --parallel}). The same client drives the sidecar and the references, so client costs cancel out.
 * {@code Expect: 100-continue} is switched off for every target alike: it only adds a round trip.
 */
final class Curl {
    private Curl() {
    }

    /** One PUT: the file, its URL and its own headers (the common headers come with {@link #put}). */
    record Upload(URI uri, Path file, Map<String, String> headers) {
    }

    /** Runs all uploads; returns the wall time in seconds, or fails naming the first non-2xx answer. */
    static double put(List<Upload> uploads, Map<String, String> commonHeaders, int parallel, Path workDir)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        Path config = Files.createTempFile(workDir, "curl-", ".conf");
        StringBuilder sb = new StringBuilder();
        boolean first = true;
        for (Upload u : uploads) {
            if (!first) {
                sb.append("next\n");
            }
            first = false;
            sb.append("url = \"").append(u.uri()).append("\"\n");
            sb.append("upload-file = \"").append(u.file()).append("\"\n");
            sb.append("output = \"/dev/null\"\n");
            sb.append("write-out = \"%{http_code}\\n\"\n");
            sb.append("header = \"Expect:\"\n");
            for (Map.Entry<String, String> h : commonHeaders.entrySet()) {
                sb.append("header = \"").append(h.getKey()).append(": ").append(h.getValue()).append("\"\n");
            }
            for (Map.Entry<String, String> h : u.headers().entrySet()) {
                sb.append("header = \"").append(h.getKey()).append(": ").append(h.getValue()).append("\"\n");
            }
        }
        Files.writeString(config, sb.toString());
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--config", config.toString()));
        if (parallel > 1) {
            command.addAll(List.of("--parallel", "--parallel-immediate", "--parallel-max", String.valueOf(parallel)));
        }
        Path out = workDir.resolve("curl.out");
        Path err = workDir.resolve("curl.err");
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        long t0 = System.nanoTime();
        int exit = pb.start().waitFor();
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> codes = Files.readAllLines(out, StandardCharsets.UTF_8);
        long ok = codes.stream().filter(c -> c.startsWith("2")).count();
        if (exit != 0 || ok != uploads.size()) {
            throw new IllegalStateException("curl: exit " + exit + ", " + ok + " of " + uploads.size() + " answered 2xx; codes "
                    + codes.stream().filter(c -> !c.startsWith("2")).distinct().toList() + "; stderr: "
                    + Files.readString(err));
        }
        Files.delete(config);
        return seconds;
    }

    /** Creates a folder on a WebDAV server (MKCOL), so the uploads that follow have their parent. */
    static void mkcol(URI folder, String basicAuth) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "MKCOL",
                "-H", "Authorization: " + basicAuth, folder.toString()).redirectErrorStream(true).start();
        String code = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        p.waitFor();
        if (!code.equals("201") && !code.equals("405")) {
            throw new IllegalStateException("MKCOL " + folder + " answered " + code);
        }
    }
}
