package dev.photosidecar.cli;

import dev.photosidecar.cli.doctor.CheckResult;
import dev.photosidecar.cli.doctor.Doctor;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code photo-sidecar doctor}: one line per check, PASS or FAIL (with the fix) or SKIP, for the configuration
 * this command would serve with. Safe beside a running sidecar: it takes no lock and writes only a probe file.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        description = {"Check the configuration, data folder, ledger, target host, clock and ExApp registration.",
                "Exit status: 0 when every check passes, 1 otherwise."})
public final class DoctorCommand implements Callable<Integer> {
    @Mixin
    ConfigOption config;
    @Spec
    CommandSpec spec;
    @Option(names = "--json", description = "print {\"ok\":…,\"checks\":[{\"check\",\"status\",\"detail\",\"fix\"}, …]}")
    boolean json;

    /** Where settings come from, and the clock compared with the host's; tests replace them. */
    Map<String, String> environment = System.getenv();
    Clock clock = Clock.systemUTC();

    @Override
    public Integer call() {
        List<CheckResult> results = new Doctor(environment, config.file(), clock).run();
        boolean ok = results.stream().noneMatch(CheckResult::failed);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            Output.json(out, Map.of("ok", ok, "checks", results.stream().map(DoctorCommand::json).toList()));
        } else {
            int width = results.stream().mapToInt(r -> r.check().length()).max().orElse(0);
            for (CheckResult r : results) {
                out.println(r.status() + "  " + r.check() + " ".repeat(width - r.check().length()) + "  " + r.text());
            }
            out.println(ok ? "All checks passed." : results.stream().filter(CheckResult::failed).count() + " check(s) failed.");
            out.flush();
        }
        return ok ? 0 : 1;
    }

    private static Map<String, Object> json(CheckResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("check", r.check());
        m.put("status", r.status().name().toLowerCase(java.util.Locale.ROOT));
        m.put("detail", r.detail());
        m.put("fix", r.fix().orElse(null));
        return m;
    }
}
