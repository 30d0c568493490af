package dev.photosidecar.ledger.sqlite;

import dev.photosidecar.config.SecretBox;
import dev.photosidecar.ledger.jdbc.JdbcCredentialStore;
import java.time.Clock;
import org.jdbi.v3.core.Jdbi;

/** The {@link JdbcCredentialStore} in SQLite; kept as a name so that callers holding a bare {@link Jdbi} need no dialect. */
public final class SqliteCredentialStore extends JdbcCredentialStore {
    /** The credentials on the SQLite database behind {@code jdbi}, sealed with {@code box}. */
    public SqliteCredentialStore(Jdbi jdbi, SecretBox box, Clock clock) {
        super(jdbi, box, clock, SqliteDialect.INSTANCE);
    }
}
