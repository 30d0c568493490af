package dev.photosidecar.cli;

import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The {@code photo-sidecar} command. Without a subcommand it serves. */
@Command(name = "photo-sidecar", mixinStandardHelpOptions = true, versionProvider = SidecarCommand.Version.class,
        description = "Takes background photo uploads from phones and delivers them to your photo server.")
public final class SidecarCommand implements Callable<Integer> {
    /** The subcommands besides {@code serve}, in the order the help lists them. */
    private static final List<Class<?>> OTHERS = List.of(DeviceCommand.class, UserCommand.class, JobsCommand.class,
            NextcloudCommand.class, PushCommand.class, DoctorCommand.class, BackupCommand.class, CommandLine.HelpCommand.class);
    private static final Set<String> HELP_OR_VERSION = Set.of("-h", "--help", "-V", "--version");

    @Mixin
    ConfigOption config;
    @Mixin
    AcceptOptions accept;

    @Override
    public Integer call() throws Exception {
        ServeCommand serve = new ServeCommand();
        serve.config = config;
        serve.accept = accept;
        return serve.call();
    }

    /**
     * The command tree for {@code args}. picocli builds every subcommand's model from its annotations, a tenth of the
     * server's start-up on the main thread (docs/performance.md), so a command line that can only mean "serve" gets
     * the root and {@code serve} alone; anything else (another command, help, an option's separate value) gets all.
     */
    public static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new SidecarCommand());
        cli.addSubcommand(ServeCommand.class);
        if (!onlyServes(args)) {
            OTHERS.forEach(cli::addSubcommand);
        }
        return cli;
    }

    /** Whether {@code args} is empty, options of the root only, or {@code serve ...}, with no help or version asked. */
    static boolean onlyServes(String... args) {
        for (String arg : args) {
            if (HELP_OR_VERSION.contains(arg)) {
                return false;
            }
            if (!arg.startsWith("-")) {
                return arg.equals("serve");
            }
        }
        return true;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SidecarCommand.class.getPackage().getImplementationVersion();
            return new String[] {"photo-sidecar " + (v == null ? "(development build)" : v)};
        }
    }
}
