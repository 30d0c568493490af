package dev.photosidecar.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real WebDAV server on loopback for tests (FACTS.md §5): lighttpd 1.4 + mod_webdav, Apache 2.4 +
 * mod_dav_fs, or sabre/dav 1.8 under {@code php -S}. Never a hand-written fake.
 *
 * <p>Everything is done by {@code src/test/resources/webdav/webdav-servers.sh}: {@code install} (once per JVM;
 * apt-get as root, only what is missing), {@code start KIND DIR PORT USER PASSWORD} and {@code stop KIND DIR}.
 * The server gets its own folder {@code dir}: {@code dir/root} is what it serves ({@link #root()}),
 * {@code dir/logs} its logs ({@link #logs()}), {@code dir/var} its lock database. It listens on
 * {@code 127.0.0.1} only, on a port that was free, with HTTP Basic auth for {@link #user()} / a random
 * {@link #password()}.
 *
 * <p>When the tests run as root the servers run as {@code www-data} (Apache refuses root), so the files in
 * {@link #root()} belong to www-data; a test that wants to put something there by hand should use
 * {@link #seedFile} so that the server can still overwrite or move it.
 *
 * <p>When the servers are not installed and cannot be (not root, no apt): the test is aborted (skipped)
 * with a message saying how to install them, except when the environment variable {@code CI} is
 * {@code true}: then it fails, so that a CI run never silently skips the WebDAV tests.
 *
 * <pre>{@code
 * @ParameterizedTest
 * @MethodSource("dev.photosidecar.support.WebDavServer#all")
 * void delivers(WebDavServer.Kind kind, @TempDir Path tmp) {
 *     try (WebDavServer dav = WebDavServer.start(kind, tmp.resolve("dav"))) {
 *         ... dav.baseUrl(), dav.user(), dav.password(), dav.root() ...
 *     }
 * }
 * }</pre>
 */
public final class WebDavServer implements AutoCloseable {

    /** The three servers. Their differences from RFC 4918 are listed in WebDavServerSmokeTest. */
    public enum Kind {
        /** lighttpd 1.4 + mod_webdav: the RFC 4918-faithful reference; strong ETag on PUT. */
        LIGHTTPD("lighttpd"),
        /** Apache 2.4 + mod_dav_fs: no ETag on PUT, weak ETags, MOVE into a missing folder gives 500. */
        APACHE("apache"),
        /** sabre/dav 1.8 (the library under Nextcloud's WebDAV) under {@code php -S}: never sends 100 Continue. */
        SABRE("sabre");

        private final String scriptName;

        Kind(String scriptName) {
            this.scriptName = scriptName;
        }

        public String scriptName() {
            return scriptName;
        }
    }

    /** All kinds, for {@code @MethodSource("dev.photosidecar.support.WebDavServer#all")}. */
    public static Stream<Kind> all() {
        return Arrays.stream(Kind.values());
    }

    private static final String SCRIPT_RESOURCE = "/webdav/webdav-servers.sh";
    private static final String USER = "photos";
    private static final int EXIT_CANNOT_INSTALL = SetupScript.EXIT_CANNOT_INSTALL;
    private static final SetupScript SCRIPT = new SetupScript(SCRIPT_RESOURCE, "the WebDAV script");
    private static final long INSTALL_TIMEOUT_SECONDS = 900;
    private static final long START_TIMEOUT_SECONDS = 90;
    private static final long STOP_TIMEOUT_SECONDS = 60;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<WebDavServer> RUNNING = ConcurrentHashMap.newKeySet();

    private static SetupScript.Result installResult;
    private static boolean shutdownHookAdded;

    private final Kind kind;
    private final Path dir;
    private final int port;
    private final String password;
    private volatile boolean running;

    private WebDavServer(Kind kind, Path dir, int port, String password) {
        this.kind = kind;
        this.dir = dir;
        this.port = port;
        this.password = password;
    }

    /**
     * Installs the servers if needed (once per JVM), then starts {@code kind} in {@code dir} (created if
     * missing) on a free loopback port, and returns once an authenticated {@code PROPFIND /} answers 207.
     */
    public static WebDavServer start(Kind kind, Path dir) {
        ensureInstalled();
        Path absolute = dir.toAbsolutePath().normalize();
        String password = randomPassword();
        SetupScript.Result last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            WebDavServer server = new WebDavServer(kind, absolute, port, password);
            last = server.runStart();
            if (last.exitCode() == 0) {
                return server;
            }
            // Another process may have taken the port between freePort() and the bind: try another one.
            if (!last.output().toLowerCase(Locale.ROOT).contains("in use")) {
                break;
            }
        }
        throw new IllegalStateException("could not start " + kind + " in " + absolute + ":\n" + last.output());
    }

    /** Starts the server again after {@link #stop()}: same port, same folder, same credentials. */
    public synchronized void start() {
        if (running) {
            return;
        }
        SetupScript.Result r = runStart();
        if (r.exitCode() != 0) {
            throw new IllegalStateException("could not restart " + kind + " on port " + port + ":\n" + r.output());
        }
    }

    /** Stops the server and waits until it is gone and its port refuses connections. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        SetupScript.Result r = SCRIPT.run(STOP_TIMEOUT_SECONDS, "stop", kind.scriptName(), dir.toString());
        if (r.exitCode() != 0) {
            throw new IllegalStateException("could not stop " + kind + " in " + dir + ":\n" + r.output());
        }
        running = false;
        RUNNING.remove(this);
    }

    @Override
    public void close() {
        stop();
    }

    public Kind kind() {
        return kind;
    }

    public boolean isRunning() {
        return running;
    }

    /** {@code http://127.0.0.1:PORT/} (with the trailing slash). */
    public String baseUrl() {
        return "http://127.0.0.1:" + port + "/";
    }

    public URI baseUri() {
        return URI.create(baseUrl());
    }

    /** The URL of {@code path} (relative to the root, already percent-encoded, with or without a leading /). */
    public URI uri(String path) {
        return URI.create(baseUrl() + (path.startsWith("/") ? path.substring(1) : path));
    }

    public int port() {
        return port;
    }

    public String user() {
        return USER;
    }

    public String password() {
        return password;
    }

    /** The value of an {@code Authorization} header with this server's credentials. */
    public String basicAuth() {
        return "Basic " + Base64.getEncoder()
                .encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    /** The folder on disk that the server serves: {@code baseUrl() + "a/b"} is {@code root().resolve("a/b")}. */
    public Path root() {
        return dir.resolve("root");
    }

    /** The server's own folder (configuration, {@code root/}, {@code logs/}, {@code var/}). */
    public Path dir() {
        return dir;
    }

    /** The server's logs (error log, access log, launcher output), for a failing test's message. */
    public String logs() {
        StringBuilder sb = new StringBuilder();
        Path logDir = dir.resolve("logs");
        if (!Files.isDirectory(logDir)) {
            return "";
        }
        try (Stream<Path> files = Files.list(logDir)) {
            for (Path f : files.sorted().toList()) {
                sb.append("----- ").append(f).append('\n')
                        .append(Files.readString(f, StandardCharsets.ISO_8859_1)).append('\n');
            }
        } catch (IOException e) {
            sb.append("(could not read logs: ").append(e).append(")\n");
        }
        return sb.toString();
    }

    /**
     * Puts a file straight into {@link #root()} (creating its folders), owned like the root folder so the
     * server can overwrite, move or delete it, as on a real host.
     */
    public Path seedFile(String relativePath, byte[] content) {
        try {
            Path target = root().resolve(relativePath).normalize();
            if (!target.startsWith(root())) {
                throw new IllegalArgumentException("outside the root: " + relativePath);
            }
            List<Path> created = new ArrayList<>();
            for (Path p = target.getParent(); p != null && !Files.exists(p); p = p.getParent()) {
                created.add(0, p);
            }
            Files.createDirectories(target.getParent());
            Files.write(target, content);
            created.add(target);
            PosixFileAttributes rootAttrs = Files.readAttributes(root(), PosixFileAttributes.class);
            UserPrincipal owner = rootAttrs.owner();
            GroupPrincipal group = rootAttrs.group();
            for (Path p : created) {
                PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class);
                if (!view.readAttributes().owner().equals(owner)) {
                    view.setOwner(owner);
                    view.setGroup(group);
                }
                if (Files.isDirectory(p)) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return kind + " " + baseUrl();
    }

    // ------------------------------------------------------------------------------------------------

    private SetupScript.Result runStart() {
        SetupScript.Result r = SCRIPT.run(START_TIMEOUT_SECONDS, "start", kind.scriptName(), dir.toString(), String.valueOf(port),
                USER, password);
        if (r.exitCode() == 0) {
            running = true;
            RUNNING.add(this);
            addShutdownHookOnce();
        }
        return r;
    }

    /**
     * Runs {@code install} once per JVM. When the servers cannot be installed this aborts the calling test
     * (or fails it when {@code CI=true}) - and does so again for every later test, without re-running apt.
     */
    private static void ensureInstalled() {
        SetupScript.Result r;
        synchronized (WebDavServer.class) {
            if (installResult == null) {
                installResult = SCRIPT.run(INSTALL_TIMEOUT_SECONDS, "install");
            }
            r = installResult;
        }
        if (r.exitCode() == 0) {
            return;
        }
        String message = "The real WebDAV servers (lighttpd, Apache mod_dav, sabre/dav) are not available"
                + (r.exitCode() == EXIT_CANNOT_INSTALL ? "" : " (install failed, exit " + r.exitCode() + ")")
                + ":\n" + r.output().strip();
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError(message + "\n(CI=true: WebDAV tests must not be skipped)");
        }
        Assumptions.abort(message);
    }

    private static synchronized void addShutdownHookOnce() {
        if (shutdownHookAdded) {
            return;
        }
        shutdownHookAdded = true;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (WebDavServer s : List.copyOf(RUNNING)) {
                try {
                    s.stop();
                } catch (RuntimeException ignored) {
                    // best effort: the JVM is going away
                }
            }
        }, "webdav-servers-stop"));
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String randomPassword() {
        String alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
        return RANDOM.ints(24, 0, alphabet.length()).mapToObj(i -> String.valueOf(alphabet.charAt(i)))
                .collect(Collectors.joining());
    }
}
