package dev.photosidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.Main;
import dev.photosidecar.support.UnitTest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's commands, run as the launcher runs them, against a data folder chosen by --config. */
@UnitTest
class CliTest {
    @TempDir
    Path dir;
    Path config;

    record Result(int exit, String out, String err) {
        JsonNode json() throws Exception {
            return new ObjectMapper().readTree(out);
        }
    }

    @BeforeEach
    void writeConfig() throws Exception {
        config = dir.resolve("sidecar.yaml");
        Files.writeString(config, "data_dir: " + dir.resolve("data") + "\n");
    }

    private Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 2];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--config";
        all[args.length + 1] = config.toString();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), all);
        return new Result(exit, out.toString(), err.toString());
    }

    @Test
    void deviceAddPrintsATokenOnceAndListAndRevokeWork() throws Exception {
        Result added = run("device", "add", "--user", "alice", "--name", "Alice's iPhone", "--json");
        assertThat(added.exit()).isZero();
        String id = added.json().path("deviceId").asText();
        assertThat(added.json().path("token").asText()).startsWith("psc_").hasSizeGreaterThan(30);

        Result listed = run("device", "list", "--json");
        assertThat(listed.json().path("devices").get(0).path("deviceId").asText()).isEqualTo(id);
        assertThat(listed.out()).doesNotContain("psc_").as("tokens are never shown again");

        Result table = run("device", "list");
        assertThat(table.out()).contains("DEVICE").contains("alice").contains("Alice's iPhone").contains("active");

        assertThat(run("device", "revoke", id).exit()).isZero();
        assertThat(run("device", "list").out()).contains("revoked");
        Result again = run("device", "revoke", id);
        assertThat(again.exit()).isEqualTo(1);
        assertThat(again.err()).contains("No active device");
    }

    @Test
    void deviceAddRefusesNamesThatDisguiseThemselves() throws Exception {
        for (String name : new String[] {"phone\u202Egpj.exe", "\u2067tablet", "bell\u0007", "tab\tbed", "lone \ud800", " "}) {
            Result refused = run("device", "add", "--user", "alice", "--name", name);
            assertThat(refused.exit()).as(name).isEqualTo(2);
            assertThat(refused.err()).as(name).contains("device name").doesNotContain("\u202E").doesNotContain("\u2067");
        }
        assertThat(run("device", "list", "--json").json().path("devices").size()).as("nothing enrolled").isZero();
        assertThat(run("device", "add", "--user", "alice", "--name", "Ana\u2019s iPhone \u00e9\u20ac").exit()).isZero();
    }

    @Test
    void configBeforeTheSubcommandCountsToo() throws Exception {
        StringWriter out = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
                "--config", config.toString(), "device", "add", "--user", "bob", "--name", "laptop", "--json");
        assertThat(exit).isZero();
        assertThat(run("device", "list", "--json").json().path("devices").get(0).path("user").asText()).isEqualTo("bob");
        assertThat(Files.exists(dir.resolve("data/ledger.db"))).isTrue();
    }

    @Test
    void badInputGetsAClearMessageAndExitCode2() {
        Result r = run("device", "add", "--user", "../etc", "--name", "x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("user must be");

        Result state = run("jobs", "list", "--state", "done");
        assertThat(state.exit()).isEqualTo(2);
        assertThat(state.err()).contains("unknown state 'done'");
    }

    @Test
    void jobsListAndRetryWorkOnAnEmptyLedger() throws Exception {
        assertThat(run("jobs", "list").out()).contains("No jobs");
        assertThat(run("jobs", "list", "--state", "failed", "--json").json().path("jobs")).isEmpty();
        assertThat(run("jobs", "retry", "--failed", "--json").json().path("retried").asInt()).isZero();
        assertThat(run("jobs", "retry").exit()).as("--failed is required").isEqualTo(2);
    }
}
