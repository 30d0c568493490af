package dev.photosidecar.support;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a host folder holds, read straight from the disk behind the WebDAV server, compared with the uploads
 * that should be there: the "exactly once, same SHA-256" check of the crash loop and the fault suite.
 *
 * @param byHash    every regular file under the root except the sidecar's hidden temporary files, by SHA-256
 * @param tempFiles hidden {@code .sidecar-*} files (a MOVE that never happened, or was never cleaned up)
 */
public record HostInventory(Map<String, List<Path>> byHash, List<Path> tempFiles) {

    /** Reads every file under {@code root} (which may not exist yet: then it is empty). */
    public static HostInventory of(Path root) {
        Map<String, List<Path>> byHash = new HashMap<>();
        List<Path> temp = new ArrayList<>();
        for (Path p : Files2.regularFiles(root)) {
            if (p.getFileName().toString().startsWith(".sidecar-")) {
                temp.add(root.relativize(p));
            } else {
                byHash.computeIfAbsent(Files2.sha256(p), k -> new ArrayList<>()).add(root.relativize(p));
            }
        }
        return new HostInventory(byHash, temp);
    }

    /** The comparison with the uploads that should be on the host, each once. */
    public Tally against(Collection<String> expectedSha256) {
        Set<String> expected = new HashSet<>(expectedSha256);
        int onHost = 0;
        int duplicates = 0;
        List<Path> duplicated = new ArrayList<>();
        for (String sha : expectedSha256) {
            List<Path> copies = byHash.getOrDefault(sha, List.of());
            if (!copies.isEmpty()) {
                onHost++;
            }
        }
        for (String sha : expected) {
            List<Path> copies = byHash.getOrDefault(sha, List.of());
            if (copies.size() > 1) {
                duplicates += copies.size() - 1;
                duplicated.addAll(copies);
            }
        }
        List<Path> corrupt = new ArrayList<>();
        byHash.forEach((sha, paths) -> {
            if (!expected.contains(sha)) {
                corrupt.addAll(paths);
            }
        });
        return new Tally(expectedSha256.size(), onHost, duplicates, corrupt.size(), tempFiles.size(), duplicated, corrupt,
                tempFiles);
    }

    /**
     * @param expected   uploads that should be on the host
     * @param onHost     of those, how many are there (by content)
     * @param duplicates extra copies of an expected upload
     * @param corrupt    files on the host that are no expected upload's bytes
     * @param temp       hidden temporary files left behind
     */
    public record Tally(int expected, int onHost, int duplicates, int corrupt, int temp, List<Path> duplicatedFiles,
                        List<Path> corruptFiles, List<Path> tempFiles) {
        public boolean exactlyOnce() {
            return onHost == expected && duplicates == 0 && corrupt == 0 && temp == 0;
        }

        @Override
        public String toString() {
            return "expected " + expected + ", on host " + onHost + ", duplicates " + duplicates + " " + duplicatedFiles
                    + ", corrupt " + corrupt + " " + corruptFiles + ", temporary files " + temp + " " + tempFiles;
        }
    }
}
