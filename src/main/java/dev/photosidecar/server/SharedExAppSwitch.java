package dev.photosidecar.server;

import dev.photosidecar.config.ExAppSwitch;
import dev.photosidecar.ledger.SharedState;
import java.util.Optional;

/** Nextcloud's enabled switch kept in the shared ledger, so that its call to one replica reaches them all. */
public record SharedExAppSwitch(SharedState state) implements ExAppSwitch.Shared {
    @Override
    public Optional<Boolean> read() {
        return state.get(SharedState.EXAPP_ENABLED).map(Boolean::parseBoolean);
    }

    @Override
    public void write(boolean on) {
        state.put(SharedState.EXAPP_ENABLED, Boolean.toString(on));
    }
}
