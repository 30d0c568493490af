package dev.photosidecar.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The {@code photo-sidecar} command. Without a subcommand it serves. */
@Command(name = "photo-sidecar", mixinStandardHelpOptions = true, versionProvider = SidecarCommand.Version.class,
        description = "Takes background photo uploads from phones and delivers them to your photo server.",
        subcommands = {ServeCommand.class, DeviceCommand.class, UserCommand.class, JobsCommand.class, NextcloudCommand.class,
                PushCommand.class, DoctorCommand.class, BackupCommand.class,
                CommandLine.HelpCommand.class})
public final class SidecarCommand implements Callable<Integer> {
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

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SidecarCommand.class.getPackage().getImplementationVersion();
            return new String[] {"photo-sidecar " + (v == null ? "(development build)" : v)};
        }
    }
}
