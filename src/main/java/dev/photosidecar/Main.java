package dev.photosidecar;

import dev.photosidecar.cli.SidecarCommand;
import dev.photosidecar.config.ConfigException;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/** Entry point of the {@code photo-sidecar} command. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        System.exit(run(args));
    }

    static int run(String... args) {
        return run(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** Runs one command line with its output going to {@code out} and {@code err}; returns the exit code. */
    public static int run(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = SidecarCommand.commandLine(args).setOut(out).setErr(err);
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
                cmd.getErr().println("photo-sidecar: " + e.getMessage());
                return 2;
            }
            throw e;
        });
        return cli.execute(args);
    }
}
