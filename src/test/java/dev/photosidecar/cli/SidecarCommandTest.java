package dev.photosidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.photosidecar.support.UnitTest;
import org.junit.jupiter.api.Test;

@UnitTest
class SidecarCommandTest {
    @Test
    void onlyACommandLineThatMustMeanServeGetsTheShortTree() {
        assertThat(SidecarCommand.onlyServes()).isTrue();
        assertThat(SidecarCommand.onlyServes("serve")).isTrue();
        assertThat(SidecarCommand.onlyServes("--config=/etc/sidecar.yaml", "serve", "--accept-empty-ledger")).isTrue();
        assertThat(SidecarCommand.onlyServes("--accept-new-secret-key")).isTrue();

        assertThat(SidecarCommand.onlyServes("device", "add")).isFalse();
        assertThat(SidecarCommand.onlyServes("--help")).isFalse();
        assertThat(SidecarCommand.onlyServes("--version")).isFalse();
        assertThat(SidecarCommand.onlyServes("help", "serve")).isFalse();
        assertThat(SidecarCommand.onlyServes("--config", "/etc/sidecar.yaml")).as("an option's separate value").isFalse();
    }

    @Test
    void theFullTreeHasEveryCommandAndTheShortOneServeAlone() {
        assertThat(SidecarCommand.commandLine("--help").getSubcommands().keySet())
                .contains("serve", "device", "user", "jobs", "nextcloud", "push", "doctor", "backup", "help");
        assertThat(SidecarCommand.commandLine().getSubcommands().keySet()).containsExactly("serve");
    }
}
