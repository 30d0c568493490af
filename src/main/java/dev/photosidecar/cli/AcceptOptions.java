package dev.photosidecar.cli;

import dev.photosidecar.server.App;
import dev.photosidecar.server.LedgerGap;
import dev.photosidecar.server.SecretKeyGap;
import picocli.CommandLine.Option;

/**
 * The flags with which an operator accepts, for one start, what start-up otherwise refuses because it would lose
 * data (docs/operations.md, "When the sidecar refuses to start").
 */
public final class AcceptOptions {
    @Option(names = LedgerGap.ACCEPT_FLAG, description = "start although ledger.db is missing or empty beside a spool that"
            + " holds uploads: those files are moved to quarantine/ in the data folder (never deleted) and the ledger starts empty")
    boolean emptyLedger;

    @Option(names = SecretKeyGap.ACCEPT_FLAG, description = "start although secret.key is missing beside stored passwords:"
            + " a new key is made, and those users' deliveries wait until user set-password stores their passwords again")
    boolean newSecretKey;

    App.Accept accept() {
        return new App.Accept(emptyLedger, newSecretKey);
    }
}
