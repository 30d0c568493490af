package dev.photosidecar.cli;

import dev.photosidecar.ledger.Device;
import dev.photosidecar.ledger.DeviceRegistry;
import dev.photosidecar.ledger.EnrolledDevice;
import java.io.PrintWriter;
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

/** {@code photo-sidecar device add|list|revoke}: enrolls phones and scripts and takes them away. */
@Command(name = "device", description = "Enroll, list and revoke devices.", mixinStandardHelpOptions = true,
        subcommands = {DeviceCommand.Add.class, DeviceCommand.ListDevices.class, DeviceCommand.Revoke.class})
public final class DeviceCommand {

    private static DeviceRegistry registry(ConfigOption config) {
        return config.openLedger().devices();
    }

    private static Map<String, Object> json(Device d) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("deviceId", d.id());
        m.put("user", d.userId());
        m.put("name", d.name());
        m.put("createdAt", d.createdAt().toString());
        m.put("revokedAt", d.revokedAt().map(Object::toString).orElse(null));
        return m;
    }

    @Command(name = "add", description = "Enroll a device for a user and print its token (shown only once).",
            mixinStandardHelpOptions = true)
    static final class Add implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Option(names = "--user", required = true, description = "the user whose photos this device uploads")
        String user;
        @Option(names = "--name", required = true, description = "a name to recognise the device by, e.g. \"Ana's iPhone\"")
        String name;
        @Option(names = "--json", description = "print {\"deviceId\":…,\"token\":…}")
        boolean json;

        @Override
        public Integer call() {
            EnrolledDevice enrolled = registry(config).add(user, name);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Map<String, Object> m = json(enrolled.device());
                m.put("token", enrolled.token());
                Output.json(out, m);
            } else {
                out.printf("Enrolled device %s (%s) for user %s.%n", enrolled.device().id(), enrolled.device().name(), user);
                out.printf("Token (shown only now; the sidecar keeps only its hash):%n%n  %s%n%n", enrolled.token());
                out.println("Send it as: Authorization: Bearer <token>");
                out.flush();
            }
            return 0;
        }
    }

    @Command(name = "list", description = "List enrolled devices.", mixinStandardHelpOptions = true)
    static final class ListDevices implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            List<Device> devices = registry(config).list();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("devices", devices.stream().map(DeviceCommand::json).toList()));
            } else if (devices.isEmpty()) {
                out.println("No devices yet. Add one with: photo-sidecar device add --user USER --name NAME");
                out.flush();
            } else {
                Output.table(out, List.of("DEVICE", "USER", "NAME", "CREATED", "STATUS"), devices.stream()
                        .map(d -> List.of(d.id(), d.userId(), d.name(), d.createdAt().toString(),
                                d.revokedAt().map(t -> "revoked " + t).orElse("active")))
                        .toList());
            }
            return 0;
        }
    }

    @Command(name = "revoke", description = "Revoke a device: its token stops working.", mixinStandardHelpOptions = true)
    static final class Revoke implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Parameters(paramLabel = "DEVICE_ID", description = "the device's id, as device list shows it")
        String deviceId;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            boolean revoked = registry(config).revoke(deviceId);
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("deviceId", deviceId, "revoked", revoked));
            } else if (revoked) {
                out.println("Revoked " + deviceId + "; a running sidecar refuses its token within "
                        + DeviceRegistry.TOKEN_CACHE_TTL.toSeconds() + " seconds.");
            } else {
                spec.commandLine().getErr().println("No active device " + deviceId + " (see: photo-sidecar device list)");
            }
            out.flush();
            return revoked ? 0 : 1;
        }
    }
}
