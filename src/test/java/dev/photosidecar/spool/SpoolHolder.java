package dev.photosidecar.spool;

import dev.photosidecar.config.ConfigException;
import dev.photosidecar.config.SpoolDirLock;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * "The other process" of the spool-sharing tests: a real second JVM that takes what a replica takes, through the
 * production classes, says so on stdout, and keeps it until it is killed (or its stdin ends). Started by
 * {@link SpoolHolderProcess}.
 *
 * <p>Commands: {@code spool DIR sqlite|shared} (the spool folder's lock), {@code receive DIR} (its own incoming folder,
 * with a body half received in it), {@code upload DIR ID} (an unfinished upload's lock, as an append holds it).
 */
public final class SpoolHolder {
    public static void main(String[] args) throws Exception {
        Path spoolDir = Path.of(args[1]);
        List<AutoCloseable> held = new ArrayList<>();
        try {
            switch (args[0]) {
                case "spool" -> {
                    SpoolDirLock lock = SpoolDirLock.acquire(spoolDir, args[2].equals("shared"));
                    held.add(lock);
                    boolean alone = lock.alone();
                    lock.share(); // as a replica does once its start-up is done
                    say("HELD spool alone=" + alone);
                }
                case "receive" -> {
                    Spool spool = new Spool(spoolDir, spoolDir.resolveSibling("quarantine-child"), 0, 1L << 30, Clock.systemUTC());
                    Path body = spool.incomingDir().resolve("half.upload");
                    Files.write(body, new byte[1000]);
                    say("HELD incoming " + body);
                }
                case "upload" -> {
                    Spool spool = new Spool(spoolDir, spoolDir.resolveSibling("quarantine-child"), 0, 1L << 30, Clock.systemUTC());
                    Optional<PartialLocks.Held> lock = spool.partialLocks().tryHold(args[2]);
                    say(lock.isPresent() ? "HELD upload " + args[2] : "REFUSED upload " + args[2]);
                }
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (ConfigException e) {
            say("REFUSED " + e.getMessage());
        }
        // Keep everything until stdin ends (the test closes it, or kills this process).
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines().forEach(l -> { });
        for (AutoCloseable c : held) {
            c.close();
        }
    }

    private static void say(String line) throws IOException {
        System.out.println(line);
        System.out.flush();
    }
}
