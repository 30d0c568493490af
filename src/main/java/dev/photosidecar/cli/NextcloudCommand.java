package dev.photosidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.photosidecar.cli.nextcloud.ExAppRegistrar;
import dev.photosidecar.cli.nextcloud.Occ;
import dev.photosidecar.cli.nextcloud.SidecarHeartbeat;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code photo-sidecar nextcloud register}: the occ commands that make the sidecar a Nextcloud ExApp, printed, or run
 * with {@code --occ} until the app is registered and enabled. A running sidecar takes the registration up itself.
 */
@Command(name = "nextcloud", description = "Connect the sidecar to Nextcloud as an app (AppAPI ExApp).",
        mixinStandardHelpOptions = true, subcommands = {NextcloudCommand.Register.class})
public final class NextcloudCommand {

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Print (or run, with --occ) the occ commands that register the sidecar as the ExApp "
                    + "photo_sidecar, with a generated secret the sidecar keeps in its data folder. The sidecar may "
                    + "already run (with SIDECAR_TARGET=nextcloud): it takes the registration up without a restart. "
                    + "Run again with --occ, it enables a registered but disabled app.")
    static final class Register implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Option(names = "--nextcloud-url", required = true, paramLabel = "URL", description = "Nextcloud's URL, as the sidecar reaches it")
        String nextcloudUrl;
        @Option(names = "--sidecar-host", required = true, paramLabel = "HOST",
                description = "the sidecar's host name or address, as Nextcloud reaches it")
        String sidecarHost;
        @Option(names = "--port", paramLabel = "PORT", description = "the sidecar's port (default: the configured port)")
        Integer port;
        @Option(names = "--daemon", defaultValue = "manual_install", description = "the AppAPI daemon name (default ${DEFAULT-VALUE})")
        String daemon;
        @Option(names = "--occ", paramLabel = "COMMAND",
                description = "run the commands with this occ, e.g. \"sudo -u www-data php /var/www/nextcloud/occ\"")
        String occ;
        @Option(names = "--dry-run", description = "with --occ: print the full command lines instead of running them "
                + "(a script to run elsewhere)")
        boolean dryRun;
        @Option(names = "--new-secret", description = "make a new secret even if one exists (with --occ, Nextcloud's "
                + "registration is replaced)")
        boolean newSecret;
        @Option(names = "--skip-heartbeat-check", description = "with --occ: do not first check that the sidecar answers "
                + "GET /heartbeat at --sidecar-host and --port (when only Nextcloud can reach it there)")
        boolean skipHeartbeatCheck;
        @Option(names = "--json", description = "print the commands as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            SidecarConfig cfg = config.load();
            Optional<ExAppIdentity> existing = newSecret ? Optional.empty() : ExAppIdentity.load(cfg.dataDir(), Map.of());
            ExAppIdentity identity = existing.isPresent() ? existing.get() : ExAppIdentity.create(cfg.dataDir());
            int sidecarPort = port == null ? cfg.port() : port;
            List<List<String>> commands = commands(manifest(), identity, sidecarPort);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            SidecarHeartbeat heartbeat = new SidecarHeartbeat(sidecarHost, sidecarPort);
            if (occ != null && dryRun) {
                out.println("#!/bin/sh\nset -e");
                commands.forEach(c -> out.println(occ + " " + Occ.shell(c)));
                out.flush();
                return 0;
            }
            if (occ == null) {
                if (json) {
                    Output.json(out, Map.of("commands", commands));
                    return 0;
                }
                out.println("# Run these on the Nextcloud server (the secret is kept in " + ExAppIdentity.file(cfg.dataDir()) + "):");
                commands.forEach(c -> out.println("occ " + Occ.shell(c)));
                // Asking the sidecar now also makes a running one take up the registration just written.
                Optional<String> problem = heartbeat.problem(cfg.dataDir(), nextcloudUrl);
                out.println(problem.map(p -> "# Before running them: " + p)
                        .orElse("# The sidecar answers at " + heartbeat.url() + " and has taken up this registration: no restart needed."));
                out.flush();
                return 0;
            }
            ExAppRegistrar.Plan plan = new ExAppRegistrar.Plan(identity.appId(), daemon, sidecarHost, cfg.dataDir(),
                    commands.get(0), commands.get(1), existing.isEmpty());
            return new ExAppRegistrar(occ, identity.secret(), plan, out, err)
                    .run(skipHeartbeatCheck ? Optional.empty() : Optional.of(heartbeat), nextcloudUrl);
        }

        private List<List<String>> commands(ObjectNode manifest, ExAppIdentity identity, int sidecarPort) throws IOException {
            manifest.put("version", identity.version());
            manifest.put("secret", identity.secret());
            manifest.put("port", sidecarPort);
            manifest.put("daemon_config_name", daemon);
            List<List<String>> commands = new ArrayList<>();
            commands.add(List.of("app_api:daemon:register", daemon, "Manual Install", "manual-install", "http",
                    sidecarHost, nextcloudUrl));
            commands.add(List.of("app_api:app:register", identity.appId(), daemon, "--wait-finish", "--json-info",
                    new ObjectMapper().writeValueAsString(manifest)));
            return commands;
        }
    }

    /** plugin-manifest.json as built into the jar. */
    static ObjectNode manifest() throws IOException {
        try (InputStream in = NextcloudCommand.class.getResourceAsStream("/plugin-manifest.json")) {
            if (in == null) {
                throw new IOException("plugin-manifest.json is not in the jar");
            }
            return (ObjectNode) new ObjectMapper().readTree(in);
        }
    }
}
