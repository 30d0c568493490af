package dev.photosidecar.server;

/**
 * Something missing from the data folder that start-up will not paper over ({@code spool.LedgerGap}, {@link SecretKeyGap}):
 * what is wrong, and how to fix it, said once for the refusal's one line and {@code doctor}'s two columns.
 */
public record DataGap(String problem, String fix) {
    /** The refusal as one line. */
    public String line() {
        return problem + ". " + fix;
    }
}
