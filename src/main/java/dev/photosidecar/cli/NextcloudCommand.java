package dev.photosidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.SidecarConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code photo-sidecar nextcloud register}: the occ commands that make the sidecar a Nextcloud ExApp. */
@Command(name = "nextcloud", description = "Connect the sidecar to Nextcloud as an app (AppAPI ExApp).",
        mixinStandardHelpOptions = true, subcommands = {NextcloudCommand.Register.class})
public final class NextcloudCommand {

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Print (or run, with --occ) the occ commands that register the sidecar as the ExApp "
                    + "photo_sidecar, with a generated secret the sidecar keeps in its data folder.")
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
        @Option(names = "--new-secret", description = "make a new secret even if one exists")
        boolean newSecret;
        @Option(names = "--json", description = "print the commands as JSON")
        boolean json;

        @Override
        public Integer call() throws Exception {
            SidecarConfig cfg = config.load();
            Optional<ExAppIdentity> existing = newSecret ? Optional.empty() : ExAppIdentity.load(cfg.dataDir(), Map.of());
            ExAppIdentity identity = existing.isPresent() ? existing.get() : ExAppIdentity.create(cfg.dataDir());
            List<List<String>> commands = commands(manifest(), identity, port == null ? cfg.port() : port);
            PrintWriter out = spec.commandLine().getOut();
            if (occ != null && dryRun) {
                out.println("#!/bin/sh\nset -e");
                commands.forEach(c -> out.println(occ + " " + shell(c)));
                out.flush();
                return 0;
            }
            if (occ == null) {
                if (json) {
                    Output.json(out, Map.of("commands", commands));
                } else {
                    out.println("# Run these on the Nextcloud server (the secret is kept in " + ExAppIdentity.file(cfg.dataDir()) + "):");
                    commands.forEach(c -> out.println("occ " + shell(c)));
                    out.println("# Then start the sidecar with SIDECAR_TARGET=nextcloud SIDECAR_WEBDAV_URL=" + nextcloudUrl);
                    out.flush();
                }
                return 0;
            }
            for (List<String> c : commands) {
                String line = occ + " " + shell(c);
                Process p = new ProcessBuilder("sh", "-c", line).redirectErrorStream(true).start();
                String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
                boolean done = p.waitFor(10, TimeUnit.MINUTES);
                boolean already = said.toLowerCase(java.util.Locale.ROOT).contains("already");
                out.println((done && (p.exitValue() == 0 || already) ? "ok: " : "FAILED: ") + "occ " + c.get(0) + "\n  " + said
                        .replace(identity.secret(), "(secret)"));
                out.flush();
                if (!done || (p.exitValue() != 0 && !already)) {
                    return 1;
                }
            }
            return 0;
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

    /** One command line for sh, every argument single-quoted. */
    static String shell(List<String> args) {
        StringBuilder sb = new StringBuilder();
        for (String a : args) {
            if (sb.length() > 0) {
                sb.append(' ');
            }
            sb.append('\'').append(a.replace("'", "'\\''")).append('\'');
        }
        return sb.toString();
    }
}
