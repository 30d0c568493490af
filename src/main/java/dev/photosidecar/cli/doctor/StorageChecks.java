package dev.photosidecar.cli.doctor;

import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.config.Units;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** The data folder (and the local target's library): there, a folder, writable, with room above the spool reserve. */
final class StorageChecks {
    private StorageChecks() {
    }

    /**
     * A folder the sidecar writes in. One that does not exist yet is fine when the sidecar can create it
     * (it does at start); one below a file, or on a read-only or full file system, is not.
     */
    static CheckResult writableFolder(String check, Path folder, String setting) {
        if (Files.isDirectory(folder)) {
            Optional<String> problem = FolderProbe.writeProblem(folder);
            return problem.isEmpty() ? CheckResult.pass(check, folder + " exists and is writable")
                    : CheckResult.fail(check, folder + " is not writable (" + problem.get() + ")",
                    "make it writable for the user the sidecar runs as (e.g. chown -R that user " + folder
                            + "; remount it read-write if it is a read-only mount), or choose another " + setting);
        }
        if (Files.exists(folder)) {
            return CheckResult.fail(check, folder + " is a file, not a folder", "choose another " + setting
                    + ", or move that file away");
        }
        Path existing = FolderProbe.nearestExisting(folder);
        if (!Files.isDirectory(existing)) {
            return CheckResult.fail(check, folder + " cannot be created: " + existing + " is a file, not a folder",
                    "choose another " + setting);
        }
        Optional<String> problem = FolderProbe.writeProblem(existing);
        return problem.isEmpty()
                ? CheckResult.pass(check, folder + " does not exist yet; the sidecar creates it (" + existing + " is writable)")
                : CheckResult.fail(check, folder + " does not exist and cannot be created: " + existing + " is not writable ("
                        + problem.get() + ")", "mkdir -p " + folder + " and give it to the user the sidecar runs as");
    }

    /** Free space where the spool lives against the reserve it never uses; uploads get 507 below it. */
    static CheckResult freeSpace(SidecarConfig config) {
        Path at = FolderProbe.nearestExisting(config.spoolDir());
        long free;
        try {
            free = Files.getFileStore(at).getUsableSpace();
        } catch (IOException e) {
            return CheckResult.fail("free space", "cannot read the free space of " + at + " (" + FolderProbe.reason(e) + ")",
                    "check that the data folder's file system is mounted");
        }
        String numbers = Units.formatBytes(free) + " free at " + at + ", spool reserve " + Units.formatBytes(config.spoolReserveBytes());
        if (free <= config.spoolReserveBytes()) {
            return CheckResult.fail("free space", numbers + ": every upload would get 507",
                    "free disk space there, or lower SIDECAR_SPOOL_RESERVE_BYTES");
        }
        return CheckResult.pass("free space", numbers + " (" + Units.formatBytes(free - config.spoolReserveBytes())
                + " usable for uploads)");
    }
}
