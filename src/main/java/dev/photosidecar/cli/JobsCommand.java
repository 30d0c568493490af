package dev.photosidecar.cli;

import dev.photosidecar.ledger.Job;
import dev.photosidecar.ledger.JobLedger;
import dev.photosidecar.ledger.JobState;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code photo-sidecar jobs list|retry}: what the ledger holds, and a second chance for failed jobs. */
@Command(name = "jobs", description = "List jobs and retry failed ones.", mixinStandardHelpOptions = true,
        subcommands = {JobsCommand.ListJobs.class, JobsCommand.Retry.class})
public final class JobsCommand {

    private static JobLedger ledger(ConfigOption config) {
        return config.openLedger().jobs();
    }

    private static JobState state(CommandSpec spec, String text) {
        return JobState.fromWire(text).orElseThrow(() -> new ParameterException(spec.commandLine(),
                "unknown state '" + text + "'; use one of receiving, pending, delivering, succeeded, failed, acknowledged, cancelled"));
    }

    @Command(name = "list", description = "List jobs, newest first.", mixinStandardHelpOptions = true)
    static final class ListJobs implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Option(names = "--state", paramLabel = "STATE", description = "only jobs in this state")
        String state;
        @Option(names = "--user", paramLabel = "USER", description = "only this user's jobs")
        String user;
        @Option(names = "--limit", defaultValue = "100", description = "at most this many (default ${DEFAULT-VALUE})")
        int limit;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            Optional<JobState> s = Optional.ofNullable(state).map(t -> state(spec, t));
            List<Job> jobs = ledger(config).list(Optional.ofNullable(user), s, Math.max(1, limit));
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("jobs", jobs.stream().map(ListJobs::json).toList()));
            } else if (jobs.isEmpty()) {
                out.println("No jobs" + (state != null ? " in state " + state : "") + (user != null ? " for user " + user : "") + ".");
                out.flush();
            } else {
                Output.table(out, List.of("JOB", "USER", "STATE", "ATTEMPTS", "SIZE", "FILE", "DETAIL"), jobs.stream()
                        .map(j -> List.of(j.id(), j.userId(), j.state().wire(), String.valueOf(j.attempts()),
                                String.valueOf(j.size()), j.filename(),
                                j.lastError().or(j::remotePath).orElse("")))
                        .toList());
            }
            return 0;
        }

        private static Map<String, Object> json(Job j) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("id", j.id());
            m.put("user", j.userId());
            m.put("deviceId", j.deviceId());
            m.put("key", j.key());
            m.put("state", j.state().wire());
            m.put("filename", j.filename());
            m.put("size", j.size());
            m.put("sha256", j.sha256());
            m.put("attempts", j.attempts());
            m.put("receivedAt", j.receivedAt().toString());
            m.put("lastError", j.lastError().orElse(null));
            m.put("remotePath", j.remotePath().orElse(null));
            return m;
        }
    }

    @Command(name = "retry", description = "Move failed jobs back to pending with fresh attempts.", mixinStandardHelpOptions = true)
    static final class Retry implements Callable<Integer> {
        @Mixin
        ConfigOption config;
        @Spec
        CommandSpec spec;
        @Option(names = "--failed", required = true, description = "retry every failed job")
        boolean failed;
        @Option(names = "--user", paramLabel = "USER", description = "only this user's failed jobs")
        String user;
        @Option(names = "--json", description = "print JSON")
        boolean json;

        @Override
        public Integer call() {
            int n = ledger(config).retryAllFailed(Optional.ofNullable(user)).size();
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                Output.json(out, Map.of("retried", n));
            } else {
                out.println(n == 0 ? "No failed jobs to retry." : "Moved " + n + " failed job(s) back to pending.");
                out.flush();
            }
            return 0;
        }
    }
}
