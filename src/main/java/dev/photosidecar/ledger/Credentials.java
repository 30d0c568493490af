package dev.photosidecar.ledger;

/** A login and password for the delivery host. Never printed: {@link #toString()} hides the password. */
public record Credentials(String login, String password) {
    @Override
    public String toString() {
        return "Credentials[login=" + login + ", password=(hidden)]";
    }
}
