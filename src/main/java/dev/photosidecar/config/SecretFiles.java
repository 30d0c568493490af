package dev.photosidecar.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The files in the data folder that hold secrets ({@code secret.key}, the key to every stored password;
 * {@code exapp.json}, the AppAPI secret) must be private to the user the sidecar runs as, like ssh's keys:
 * mode 0600 and owned by that user. Start-up refuses a data folder where one is not, and says the fix,
 * rather than go on with a key that other local users can read.
 */
public final class SecretFiles {
    private static final Set<PosixFilePermission> OTHERS = EnumSet.of(PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    private SecretFiles() {
    }

    /** The secret files this configuration uses (whether or not they exist yet). */
    public static List<Path> of(SidecarConfig config) {
        List<Path> files = new ArrayList<>();
        if (config.secretKey().isEmpty()) {
            files.add(config.dataDir().resolve("secret.key"));
        }
        files.add(ExAppIdentity.file(config.dataDir()));
        return files;
    }

    /** @throws ConfigException naming every secret file that is not private, with the command that fixes it */
    public static void requirePrivate(SidecarConfig config) {
        List<String> problems = new ArrayList<>();
        for (Path f : of(config)) {
            problem(f).ifPresent(problems::add);
        }
        if (!problems.isEmpty()) {
            throw ConfigException.unusable(String.join("; ", problems));
        }
    }

    /** What is wrong with {@code file}, with its fix; empty when it is private or does not exist. */
    public static Optional<String> problem(Path file) {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return Optional.empty();
        }
        try {
            if (Files.isSymbolicLink(file)) {
                return Optional.of(file + " is a symbolic link; a secret file must be a plain file: replace the link with"
                        + " the file it points to (cp --remove-destination \"$(readlink -f " + file + ")\" " + file + ")");
            }
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (perms.stream().anyMatch(OTHERS::contains)) {
                return Optional.of(file + " has mode " + mode(perms) + " (" + PosixFilePermissions.toString(perms)
                        + "): other users can read this secret; run chmod 600 " + file);
            }
            int owner = (Integer) Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            long me = currentUid();
            if (me >= 0 && owner != me) {
                return Optional.of(file + " belongs to uid " + owner + " (" + Files.getOwner(file, LinkOption.NOFOLLOW_LINKS)
                        + "), not to uid " + me + " (" + System.getProperty("user.name") + ") that runs photo-sidecar;"
                        + " run chown " + System.getProperty("user.name") + " " + file + " (or run photo-sidecar as its owner)");
            }
            return Optional.empty();
        } catch (UnsupportedOperationException | IllegalArgumentException noPosix) {
            return Optional.empty(); // a file system without owners and modes: nothing to check
        } catch (IOException e) {
            return Optional.of("cannot check the permissions of " + file + ": " + e.getMessage());
        }
    }

    /** Mode and owner in a few words, for {@code doctor}'s passing line. */
    public static String describe(Path file) throws IOException {
        return file + " is mode " + mode(Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS)) + ", owned by "
                + Files.getOwner(file, LinkOption.NOFOLLOW_LINKS);
    }

    private static String mode(Set<PosixFilePermission> perms) {
        int m = 0;
        for (PosixFilePermission p : perms) {
            m |= 1 << (8 - p.ordinal());
        }
        return String.format("%04o", m);
    }

    /** This process's uid, or -1 where the JDK cannot tell. */
    private static long currentUid() {
        try {
            return new com.sun.security.auth.module.UnixSystem().getUid();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }
}
