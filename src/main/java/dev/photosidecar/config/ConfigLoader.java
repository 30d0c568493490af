package dev.photosidecar.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.photosidecar.names.PathTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds a {@link SidecarConfig} from the embedded defaults, then an optional YAML file, then the
 * environment (which wins). Every value is checked once, here; all problems are reported together,
 * each naming its key, where it came from and the bad value.
 */
public final class ConfigLoader {
    private static final Logger log = LoggerFactory.getLogger(ConfigLoader.class);

    private final Map<String, String> env;
    private final Optional<Path> yamlFile;

    private final Map<Setting, String> values = new EnumMap<>(Setting.class);
    private final Map<Setting, String> sources = new EnumMap<>(Setting.class);
    private final List<String> problems = new ArrayList<>();

    public ConfigLoader(Map<String, String> env, Optional<Path> yamlFile) {
        this.env = Map.copyOf(env);
        this.yamlFile = yamlFile;
    }

    /** The configuration of this process: its environment and the given YAML file, if any. */
    public static SidecarConfig fromProcess(Optional<Path> yamlFile) {
        return new ConfigLoader(System.getenv(), yamlFile).load();
    }

    public SidecarConfig load() {
        for (Setting s : Setting.values()) {
            s.defaultValue().ifPresent(v -> put(s, v, "default"));
        }
        yamlFile.ifPresent(this::readYaml);
        readEnv();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        // Parse everything first so that every bad value is reported at once, then build.
        String bind = text(Setting.BIND);
        Integer port = parse(Setting.PORT, v -> intInRange(v, 0, 65535));
        Path dataDir = parse(Setting.DATA_DIR, v -> Path.of(nonBlank(v)).toAbsolutePath().normalize());
        Path spoolDir = spoolDir(dataDir);
        TargetKind target = parse(Setting.TARGET, v -> TargetKind.parse(v).orElseThrow(
                () -> new IllegalArgumentException("unknown target; choose one of: " + TargetKind.choices())));
        PathTemplate template = parse(Setting.PATH_TEMPLATE, PathTemplate::parse);
        ZoneId zone = values.containsKey(Setting.TIME_ZONE) ? parse(Setting.TIME_ZONE, ZoneId::of) : ZoneId.systemDefault();
        Integer workers = parse(Setting.WORKERS, v -> intInRange(v, 1, 256));
        Long maxUpload = parse(Setting.MAX_UPLOAD_BYTES, v -> positive(Units.parseBytes(v)));
        Long reserve = parse(Setting.SPOOL_RESERVE_BYTES, v -> nonNegative(Units.parseBytes(v)));
        Integer maxConcurrent = parse(Setting.MAX_CONCURRENT_UPLOADS, v -> intInRange(v, 1, 10_000));
        Integer maxAttempts = parse(Setting.MAX_ATTEMPTS, v -> intInRange(v, 1, 1000));
        Duration initialDelay = parse(Setting.RETRY_INITIAL_DELAY, v -> positive(Units.parseDuration(v)));
        Duration maxDelay = parse(Setting.RETRY_MAX_DELAY, v -> positive(Units.parseDuration(v)));
        Duration lease = parse(Setting.LEASE_DURATION, v -> atLeast(Units.parseDuration(v), Duration.ofSeconds(5)));
        Duration grace = parse(Setting.SHUTDOWN_GRACE, v -> nonNegative(Units.parseDuration(v)));
        Boolean resumable = parse(Setting.RESUMABLE, ConfigLoader::onOff);
        Duration resumableExpiry = parse(Setting.RESUMABLE_EXPIRY, v -> atLeast(Units.parseDuration(v), Duration.ofMinutes(1)));
        ServerLimits limits = serverLimits(maxUpload);
        Optional<WebDavSettings> webdav = Optional.empty();
        if (target == TargetKind.WEBDAV || target == TargetKind.NEXTCLOUD) {
            String url = values.containsKey(Setting.WEBDAV_URL) ? parse(Setting.WEBDAV_URL, v -> {
                if (WebDavSettings.hasUserInfo(v)) {
                    // It would travel in every log line and status page that names the host.
                    throw new IllegalArgumentException("must not carry a user name or password; set "
                            + Setting.WEBDAV_USER.envName() + " and " + Setting.WEBDAV_PASSWORD.envName()
                            + " instead (or each user's own with photo-sidecar user set-password)");
                }
                return WebDavSettings.checkUrl(v);
            }) : null;
            if (url != null && target == TargetKind.NEXTCLOUD && !url.contains("/remote.php/")) {
                // A Nextcloud server's own URL: its users' files live under remote.php/dav/files/{user}/.
                url = url + "remote.php/dav/files/{user}/";
            }
            if (!values.containsKey(Setting.WEBDAV_URL)) {
                problems.add(Setting.TARGET.envName() + "=" + target.wireName() + " needs " + Setting.WEBDAV_URL.envName()
                        + ", e.g. https://cloud.example/remote.php/dav/files/{user}/");
            }
            Duration connect = parse(Setting.WEBDAV_CONNECT_TIMEOUT, v -> positive(Units.parseDuration(v)));
            Duration socket = parse(Setting.WEBDAV_TIMEOUT, v -> positive(Units.parseDuration(v)));
            Optional<String> user = Optional.ofNullable(values.get(Setting.WEBDAV_USER)).filter(u -> !u.isBlank());
            Optional<String> password = Optional.ofNullable(values.get(Setting.WEBDAV_PASSWORD));
            if (user.isPresent() != password.isPresent()) {
                problems.add(Setting.WEBDAV_USER.envName() + " and " + Setting.WEBDAV_PASSWORD.envName()
                        + " go together: set both or neither");
            }
            Duration deadline = parse(Setting.WEBDAV_DEADLINE, v -> atLeast(Units.parseDuration(v), Duration.ofSeconds(1)));
            Long minRate = parse(Setting.WEBDAV_MIN_RATE, v -> positive(Units.parseBytes(v)));
            Long threshold = parse(Setting.CHUNK_THRESHOLD, v -> positive(Units.parseBytes(v)));
            Long chunk = parse(Setting.CHUNK_SIZE, v -> {
                long n = Units.parseBytes(v);
                if (n < 5L * 1024 * 1024) {
                    throw new IllegalArgumentException("must be at least 5MiB (Nextcloud's smallest chunk)");
                }
                return n;
            });
            if (url != null && connect != null && socket != null && threshold != null && chunk != null && deadline != null
                    && minRate != null) {
                webdav = Optional.of(new WebDavSettings(url, user, password, connect, socket, threshold, chunk, deadline,
                        minRate));
            }
        }
        Optional<String> publicUrl = values.containsKey(Setting.PUBLIC_URL)
                ? Optional.ofNullable(parse(Setting.PUBLIC_URL, v -> WebDavSettings.checkUrl(v).replaceAll("/+$", "")))
                : Optional.empty();
        if (initialDelay != null && maxDelay != null && maxDelay.compareTo(initialDelay) < 0) {
            problems.add(Setting.RETRY_MAX_DELAY.envName() + "='" + values.get(Setting.RETRY_MAX_DELAY)
                    + "': must not be shorter than " + Setting.RETRY_INITIAL_DELAY.envName() + "='"
                    + values.get(Setting.RETRY_INITIAL_DELAY) + "'");
        }
        Optional<TlsFiles> tls = tls();
        Optional<DatabaseSettings> database = database();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new SidecarConfig(bind, port, dataDir, spoolDir, target, template, zone, workers, maxUpload, reserve, maxConcurrent,
                maxAttempts, initialDelay, maxDelay, lease, grace, webdav,
                Optional.ofNullable(values.get(Setting.SECRET_KEY)).filter(t -> !t.isBlank()),
                publicUrl,
                Optional.ofNullable(values.get(Setting.ADMIN_TOKEN)).filter(t -> !t.isBlank()),
                resumableExpiry, tls, limits, resumable, database);
    }

    /**
     * The spool: {@code {data}/spool} unless set. It may not be the data folder itself, nor hold it, because start-up
     * treats what it finds in the spool's {@code incoming/}, {@code ready/} and {@code partial/} as upload files.
     */
    private Path spoolDir(Path dataDir) {
        if (!values.containsKey(Setting.SPOOL_DIR) || values.get(Setting.SPOOL_DIR).isBlank()) {
            return dataDir == null ? null : dataDir.resolve("spool");
        }
        return parse(Setting.SPOOL_DIR, v -> {
            Path spool = Path.of(v.trim()).toAbsolutePath().normalize();
            if (dataDir != null && dataDir.startsWith(spool)) {
                throw new IllegalArgumentException("must not be the data folder (" + dataDir + ") or a folder above it;"
                        + " use a folder of its own, e.g. " + dataDir.resolve("spool") + " (the default) or a shared mount");
            }
            return spool;
        });
    }

    /** Built-in TLS: both files or neither, both readable, the key the certificate's. */
    private Optional<TlsFiles> tls() {
        Optional<String> cert = Optional.ofNullable(values.get(Setting.TLS_CERT)).filter(v -> !v.isBlank());
        Optional<String> key = Optional.ofNullable(values.get(Setting.TLS_KEY)).filter(v -> !v.isBlank());
        if (cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        if (cert.isEmpty() || key.isEmpty()) {
            problems.add(Setting.TLS_CERT.envName() + " and " + Setting.TLS_KEY.envName()
                    + " go together: set both (to serve HTTPS) or neither (plain HTTP, e.g. behind a reverse proxy)");
            return Optional.empty();
        }
        // Relative paths are taken from the working directory, like SIDECAR_DATA_DIR.
        return Optional.ofNullable(TlsFiles.load(Path.of(cert.get()).toAbsolutePath(), Path.of(key.get()).toAbsolutePath(),
                problems));
    }

    /** The ledger's PostgreSQL, if one is set; its user and password go with it only. */
    private Optional<DatabaseSettings> database() {
        Optional<String> user = Optional.ofNullable(values.get(Setting.DATABASE_USER)).filter(v -> !v.isBlank());
        Optional<String> password = Optional.ofNullable(values.get(Setting.DATABASE_PASSWORD)).filter(v -> !v.isEmpty());
        if (!values.containsKey(Setting.DATABASE_URL) || values.get(Setting.DATABASE_URL).isBlank()) {
            if (user.isPresent() || password.isPresent()) {
                problems.add(Setting.DATABASE_USER.envName() + " and " + Setting.DATABASE_PASSWORD.envName() + " need "
                        + Setting.DATABASE_URL.envName() + " (the embedded SQLite ledger has no user)");
            }
            return Optional.empty();
        }
        return Optional.ofNullable(parse(Setting.DATABASE_URL, DatabaseSettings::checkUrl))
                .map(url -> new DatabaseSettings(url, user, password));
    }

    private ServerLimits serverLimits(Long maxUpload) {
        Integer perDevice = parse(Setting.MAX_UPLOADS_PER_DEVICE, v -> intInRange(v, 1, 10_000));
        Double rate = parse(Setting.DEVICE_REQUEST_RATE, v -> {
            double r;
            try {
                r = Double.parseDouble(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a number of requests per second");
            }
            if (!(r > 0) || r > 1_000_000) {
                throw new IllegalArgumentException("must be more than 0 and at most 1000000 requests per second");
            }
            return r;
        });
        Integer burst = parse(Setting.DEVICE_REQUEST_BURST, v -> intInRange(v, 1, 10_000_000));
        Duration idle = parse(Setting.IDLE_TIMEOUT, v -> atLeast(Units.parseDuration(v), Duration.ofSeconds(1)));
        Duration headers = parse(Setting.HEADER_TIMEOUT, v -> atLeast(Units.parseDuration(v), Duration.ofSeconds(1)));
        Long headerBytes = parse(Setting.MAX_HEADER_BYTES, v -> {
            long n = Units.parseBytes(v);
            if (n < 4096 || n > 1024 * 1024) {
                throw new IllegalArgumentException("must be between 4KiB and 1MiB");
            }
            return n;
        });
        Integer unfinished = parse(Setting.MAX_UNFINISHED_UPLOADS_PER_DEVICE, v -> intInRange(v, 1, 100_000));
        Long inFlight = maxUpload == null ? null : values.containsKey(Setting.MAX_BYTES_IN_FLIGHT_PER_DEVICE)
                ? parse(Setting.MAX_BYTES_IN_FLIGHT_PER_DEVICE, v -> {
                    long n = Units.parseBytes(v);
                    if (n < maxUpload) {
                        // Else an upload of the largest size could never start.
                        throw new IllegalArgumentException("must be at least " + Setting.MAX_UPLOAD_BYTES.envName() + " ("
                                + Units.formatBytes(maxUpload) + ")");
                    }
                    return n;
                })
                : ServerLimits.defaultBytesInFlight(maxUpload);
        if (perDevice == null || rate == null || burst == null || idle == null || headers == null || headerBytes == null
                || unfinished == null || inFlight == null) {
            return null;
        }
        return new ServerLimits(perDevice, rate, burst, idle, headers, headerBytes.intValue(), inFlight, unfinished);
    }

    private void readYaml(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(file));
        } catch (IOException e) {
            problems.add("--config " + file + ": cannot read it (" + e.getMessage().lines().findFirst().orElse("") + ")");
            return;
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return;
        }
        if (!root.isObject()) {
            problems.add("--config " + file + ": must be a mapping of key: value");
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            Optional<Setting> setting = Setting.byYamlName(e.getKey());
            if (setting.isEmpty()) {
                problems.add("--config " + file + ": unknown key '" + e.getKey() + "'");
            } else if (e.getValue().isNull()) {
                continue; // "key:" with no value leaves the default in place
            } else if (!e.getValue().isValueNode()) {
                problems.add("--config " + file + ": '" + e.getKey() + "' must be a single value");
            } else {
                put(setting.get(), e.getValue().asText(), file.getFileName() + ":" + e.getKey());
            }
        }
    }

    private void readEnv() {
        for (Map.Entry<String, String> e : env.entrySet()) {
            if (e.getKey().equals("SIDECAR_LOG_FORMAT") && !e.getValue().matches("text|json")) {
                // Read by LogSetup; a wrong value would be a surprise in every log, so refuse it here.
                problems.add("SIDECAR_LOG_FORMAT='" + e.getValue() + "': must be text or json");
            }
            if (e.getKey().equals("SIDECAR_LOG_LEVEL") && !e.getValue().matches("(?i)TRACE|DEBUG|INFO|WARN|ERROR|OFF")) {
                problems.add("SIDECAR_LOG_LEVEL='" + e.getValue() + "': must be TRACE, DEBUG, INFO, WARN or ERROR");
            }
            if (!e.getKey().startsWith("SIDECAR_") || e.getKey().startsWith("SIDECAR_LOG_")) {
                // The SIDECAR_LOG_* variables are read by LogSetup (logging starts before the configuration), not here.
                continue;
            }
            Optional<Setting> setting = Setting.byEnvName(e.getKey());
            if (setting.isPresent()) {
                put(setting.get(), e.getValue(), "environment");
            } else {
                log.warn("Ignoring unknown environment variable {} (known: SIDECAR_PORT, SIDECAR_DATA_DIR, …; see docs/configuration.md)",
                        e.getKey());
            }
        }
    }

    private void put(Setting s, String value, String source) {
        values.put(s, value);
        sources.put(s, source);
    }

    private String text(Setting s) {
        return parse(s, ConfigLoader::nonBlank);
    }

    private <T> T parse(Setting s, Function<String, T> parser) {
        String raw = values.get(s);
        try {
            return parser.apply(raw == null ? "" : raw);
        } catch (RuntimeException e) {
            String where = "environment".equals(sources.get(s)) || "default".equals(sources.get(s))
                    ? s.envName() : sources.get(s) + " (" + s.envName() + ")";
            // A URL's password is never echoed back, not even in the refusal of that URL.
            problems.add(where + "='" + (raw == null ? null : WebDavSettings.withoutUserInfo(raw)) + "': " + e.getMessage());
            return null;
        }
    }

    private static String nonBlank(String v) {
        if (v.isBlank()) {
            throw new IllegalArgumentException("must not be empty");
        }
        return v.trim();
    }

    private static boolean onOff(String v) {
        return switch (v.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new IllegalArgumentException("must be on or off");
        };
    }

    private static int intInRange(String v, int min, int max) {
        int n;
        try {
            n = Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number");
        }
        if (n < min || n > max) {
            throw new IllegalArgumentException("must be between " + min + " and " + max);
        }
        return n;
    }

    private static long positive(long n) {
        if (n <= 0) {
            throw new IllegalArgumentException("must be more than 0");
        }
        return n;
    }

    private static long nonNegative(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("must not be negative");
        }
        return n;
    }

    private static Duration positive(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("must be longer than 0");
        }
        return d;
    }

    private static Duration nonNegative(Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException("must not be negative");
        }
        return d;
    }

    private static Duration atLeast(Duration d, Duration min) {
        if (d.compareTo(min) < 0) {
            throw new IllegalArgumentException("must be at least " + min.toSeconds() + "s");
        }
        return d;
    }
}
