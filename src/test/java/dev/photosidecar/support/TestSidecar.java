package dev.photosidecar.support;

import dev.photosidecar.config.ConfigLoader;
import dev.photosidecar.config.SidecarConfig;
import dev.photosidecar.server.App;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The real sidecar, started in this JVM on a random loopback port with its own data folder, for
 * functional tests that talk HTTP to it.
 */
public final class TestSidecar implements AutoCloseable {
    private final App app;
    private final SidecarConfig config;
    private final Http http;

    private TestSidecar(App app, SidecarConfig config) {
        this.app = app;
        this.config = config;
        this.http = new Http("http://127.0.0.1:" + app.port());
    }

    /** Starts with the embedded defaults except: loopback, random port, no spool reserve, and {@code overrides}. */
    public static TestSidecar start(Path dataDir, Map<String, String> overrides) {
        return start(dataDir, overrides, Clock.systemUTC());
    }

    public static TestSidecar start(Path dataDir, Map<String, String> overrides, Clock clock) {
        return start(dataDir, overrides, clock, () -> true);
    }

    /** With deliveries also held while {@code deliveryGate} says no (or meeting whatever it throws). */
    public static TestSidecar start(Path dataDir, Map<String, String> overrides, Clock clock,
                                    java.util.function.BooleanSupplier deliveryGate) {
        Map<String, String> env = new HashMap<>();
        env.put("SIDECAR_BIND", "127.0.0.1");
        env.put("SIDECAR_PORT", "0");
        env.put("SIDECAR_DATA_DIR", dataDir.toString());
        env.put("SIDECAR_SPOOL_RESERVE_BYTES", "0");
        env.put("SIDECAR_SHUTDOWN_GRACE", "5s");
        env.put("SIDECAR_TIME_ZONE", "UTC");
        env.putAll(overrides);
        SidecarConfig config = new ConfigLoader(env, Optional.empty()).load();
        return new TestSidecar(App.start(config, clock, App.Accept.NOTHING, deliveryGate), config);
    }

    public App app() {
        return app;
    }

    public Http http() {
        return http;
    }

    public int port() {
        return app.port();
    }

    public SidecarConfig config() {
        return config;
    }

    /** Enrolls a device and returns its bearer token. */
    public String enroll(String user, String deviceName) {
        return app.devices().add(user, deviceName).token();
    }

    public Path library(String user) {
        return config.libraryDir().resolve(user);
    }

    @Override
    public void close() {
        app.close();
    }
}
