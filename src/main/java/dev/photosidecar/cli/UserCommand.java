package dev.photosidecar.cli;

import dev.photosidecar.ledger.CredentialStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code photo-sidecar user set-password|list|remove}: each user's credentials for the WebDAV host. */
@Command(name = "user", description = "Manage users' credentials for the delivery host.", mixinStandardHelpOptions = true,
        subcommands = {UserCommand.SetPassword.class, UserCommand.ListUsers.class, UserCommand.Remove.class})
public final class UserCommand {

    @Command(name = "set-password", mixinStandardHelpOptions = true,
            description = "Store USER's password for the host, read from the first line of standard input "
                    + "(e.g. an app password). A running sidecar resumes that user's paused deliveries.")
    static final class SetPassword implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "USER", description = "the user, as devices are enrolled for")
        String user;
        @Option(names = "--login", paramLabel = "LOGIN", description = "the host's login name, if not USER")
        String login;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() throws IOException {
            BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            String password = in.readLine();
            if (password == null || password.isEmpty()) {
                throw new IllegalArgumentException("no password on standard input; try: printf '%s\\n' \"$PASSWORD\" | "
                        + "photo-sidecar user set-password " + user);
            }
            String loginName = login == null ? user : login;
            config.openCredentials().set(user, loginName, password);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("user", user, "login", loginName, "stored", true));
            } else {
                out.println("Stored the password for user " + user + " (login " + loginName + "), encrypted.");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List users with stored credentials (never the passwords).",
            mixinStandardHelpOptions = true)
    static final class ListUsers implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            List<CredentialStore.Entry> entries = config.openCredentials().list();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("users", entries.stream().map(e -> {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("user", e.userId());
                    m.put("login", e.login());
                    m.put("updatedAt", e.updatedAt().toString());
                    return m;
                }).toList()));
            } else if (entries.isEmpty()) {
                out.println("No stored credentials. Add some with: photo-sidecar user set-password USER");
                out.flush();
            } else {
                Output.table(out, List.of("USER", "LOGIN", "UPDATED"), entries.stream()
                        .map(e -> List.of(e.userId(), e.login(), e.updatedAt().toString())).toList());
            }
            return 0;
        }
    }

    @Command(name = "remove", description = "Forget USER's stored credentials.", mixinStandardHelpOptions = true)
    static final class Remove implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "USER")
        String user;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            boolean removed = config.openCredentials().remove(user);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("user", user, "removed", removed));
            } else if (removed) {
                out.println("Removed the stored credentials of " + user + ".");
            } else {
                spec.commandLine().getErr().println("No stored credentials for " + user);
            }
            out.flush();
            return removed ? 0 : 1;
        }
    }
}
