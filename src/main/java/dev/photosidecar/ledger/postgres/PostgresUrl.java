package dev.photosidecar.ledger.postgres;

import dev.photosidecar.config.ConfigException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.postgresql.PGProperty;

/**
 * Where the ledger's PostgreSQL is, checked once: {@code SIDECAR_DATABASE_URL} in libpq's form
 * ({@code postgresql://user:password@host:5432/database?sslmode=require}) or the JDBC driver's
 * ({@code jdbc:postgresql://host:5432/database?sslmode=require}), with the user and password also from
 * {@code SIDECAR_DATABASE_USER} / {@code SIDECAR_DATABASE_PASSWORD}, which win over the URL's.
 *
 * <p>Every problem is reported with the part of the URL that is wrong; the password never appears in a
 * message or in {@link #toString()}.
 */
public final class PostgresUrl {
    /** The setting the URL comes from, named in every message. */
    public static final String SETTING = "SIDECAR_DATABASE_URL";
    private static final int DEFAULT_PORT = 5432;
    /** libpq's names for parameters pgjdbc spells differently (an operator copies them from psql). */
    private static final Map<String, String> LIBPQ_NAMES = Map.of(
            "connect_timeout", PGProperty.CONNECT_TIMEOUT.getName(),
            "application_name", PGProperty.APPLICATION_NAME.getName());

    private final List<String> hosts;
    private final String database;
    private final String user;
    private final Optional<String> password;
    private final Map<String, String> parameters;

    private PostgresUrl(List<String> hosts, String database, String user, Optional<String> password,
                        Map<String, String> parameters) {
        this.hosts = List.copyOf(hosts);
        this.database = database;
        this.user = user;
        this.password = password;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Checks {@code url} and the separate credentials ({@code null} or blank when not set).
     *
     * @throws ConfigException naming the bad part of the URL, or the missing user
     */
    public static PostgresUrl parse(String url, String user, String password) {
        if (url == null || url.isBlank()) {
            throw problem("is empty");
        }
        String trimmed = url.strip();
        String lower = trimmed.toLowerCase(Locale.ROOT);
        Parts parts;
        if (lower.startsWith("postgresql://") || lower.startsWith("postgres://")) {
            parts = Parts.split(trimmed.substring(trimmed.indexOf("://") + 3), true);
        } else if (lower.startsWith("jdbc:postgresql://")) {
            parts = Parts.split(trimmed.substring("jdbc:postgresql://".length()), false);
        } else if (lower.startsWith("jdbc:postgresql:")) {
            // pgjdbc's short form jdbc:postgresql:DATABASE means localhost:5432.
            parts = Parts.split("localhost/" + trimmed.substring("jdbc:postgresql:".length()), false);
        } else {
            String scheme = trimmed.contains(":") ? trimmed.substring(0, trimmed.indexOf(':') + 1) : trimmed;
            throw problem("must start with postgresql:// or jdbc:postgresql: (it starts with '" + abbreviate(scheme) + "')");
        }

        Map<String, String> parameters = new LinkedHashMap<>();
        String paramUser = null;
        String paramPassword = null;
        for (Map.Entry<String, String> p : parameters(parts.query()).entrySet()) {
            String name = p.getKey();
            switch (name) {
                case "user" -> paramUser = p.getValue();
                case "password" -> paramPassword = p.getValue();
                case "host", "hostaddr", "port", "dbname" -> throw problem("parameter '" + name
                        + "' is not supported: put the host, port and database in the URL itself (postgresql://HOST:PORT/DATABASE)");
                default -> parameters.put(checkedParameter(name, p.getValue()), p.getValue());
            }
        }
        parameters.putIfAbsent(PGProperty.APPLICATION_NAME.getName(), "photo-sidecar");

        String chosenUser = firstSet(user, paramUser, parts.user());
        if (chosenUser == null) {
            throw problem("names no user: set SIDECAR_DATABASE_USER or write postgresql://USER@HOST/DATABASE");
        }
        String chosenPassword = firstSet(password, paramPassword, parts.password());
        return new PostgresUrl(hosts(parts.hosts()), database(parts.path()), chosenUser,
                Optional.ofNullable(chosenPassword), parameters);
    }

    /** The URL for the JDBC driver: hosts, database and parameters, never the user or password. */
    public String jdbcUrl() {
        String query = parameters.entrySet().stream()
                .map(e -> encode(e.getKey()) + "=" + encode(e.getValue()))
                .collect(Collectors.joining("&"));
        return "jdbc:postgresql://" + String.join(",", hosts) + "/" + encode(database) + (query.isEmpty() ? "" : "?" + query);
    }

    /** {@code host:port} of each server, in the order the driver tries them. */
    public List<String> hosts() {
        return hosts;
    }

    public String database() {
        return database;
    }

    public String user() {
        return user;
    }

    /** Empty when the server needs none (trust or certificate authentication). */
    public Optional<String> password() {
        return password;
    }

    /** The driver's connection parameters (pgjdbc names), e.g. {@code sslmode}. */
    public Map<String, String> parameters() {
        return parameters;
    }

    /** Where and as whom, without the password: safe for logs and messages. */
    @Override
    public String toString() {
        return "postgresql://" + user + (password.isPresent() ? ":***" : "") + "@" + String.join(",", hosts) + "/" + database;
    }

    // ------------------------------------------------------------------------------------------------

    /** The URL after its scheme, cut into userinfo, hosts, path and query. */
    private record Parts(String user, String password, String hosts, String path, String query) {
        static Parts split(String rest, boolean userInfoAllowed) {
            // The user and password come off first: a password with an unescaped '/', '?' or '@' in it must
            // neither be cut there nor end up in a message as a "host" or "port".
            String user = null;
            String password = null;
            int at = userInfoEnd(rest);
            if (at >= 0) {
                if (!userInfoAllowed) {
                    throw problem("jdbc:postgresql: URLs cannot carry a user before the host ('…@"
                            + abbreviate(rest.substring(at + 1).split("[/?]", 2)[0]) + "'): use SIDECAR_DATABASE_USER and "
                            + "SIDECAR_DATABASE_PASSWORD, or ?user=…&password=…");
                }
                String userInfo = rest.substring(0, at);
                rest = rest.substring(at + 1);
                int colon = userInfo.indexOf(':');
                user = decode(colon >= 0 ? userInfo.substring(0, colon) : userInfo, "the user");
                password = colon >= 0 ? decode(userInfo.substring(colon + 1), "the password") : null;
                if (user.isEmpty()) {
                    user = null;
                }
            }
            String query = "";
            int q = rest.indexOf('?');
            if (q >= 0) {
                query = rest.substring(q + 1);
                rest = rest.substring(0, q);
            }
            int slash = rest.indexOf('/');
            String authority = slash >= 0 ? rest.substring(0, slash) : rest;
            String path = slash >= 0 ? rest.substring(slash + 1) : "";
            return new Parts(user, password, authority, path, query);
        }

        /**
         * Where the user and password end (their '@'), or -1. A valid URL names a database after its hosts, so
         * the userinfo's '@' is the last one before the first '/' that follows an '@'; an '@' that only comes
         * after the first '/' is part of the database name or a parameter.
         */
        private static int userInfoEnd(String rest) {
            int firstAt = rest.indexOf('@');
            if (firstAt < 0) {
                return -1;
            }
            int slashAfter = rest.indexOf('/', firstAt);
            if (slashAfter >= 0) {
                return rest.lastIndexOf('@', slashAfter);
            }
            return rest.indexOf('/') < 0 ? rest.lastIndexOf('@') : -1;
        }
    }

    private static List<String> hosts(String authority) {
        if (authority.isEmpty()) {
            throw problem("names no host (postgresql://HOST:5432/DATABASE); a unix socket is not supported");
        }
        List<String> hosts = new ArrayList<>();
        for (String spec : authority.split(",", -1)) {
            hosts.add(hostAndPort(spec));
        }
        return hosts;
    }

    private static String hostAndPort(String spec) {
        String host;
        String port = null;
        if (spec.startsWith("[")) {
            int close = spec.indexOf(']');
            if (close < 0) {
                throw problem("has an IPv6 address without its closing ']': '" + abbreviate(spec) + "'");
            }
            host = spec.substring(0, close + 1);
            String after = spec.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw problem("has '" + abbreviate(after) + "' after the IPv6 address " + host + " (expected :PORT)");
                }
                port = after.substring(1);
            }
            if (host.length() == 2) {
                throw problem("has an empty IPv6 address '[]'");
            }
        } else {
            int colon = spec.indexOf(':');
            host = colon >= 0 ? spec.substring(0, colon) : spec;
            port = colon >= 0 ? spec.substring(colon + 1) : null;
            if (host.isEmpty()) {
                throw problem(spec.isEmpty() ? "has an empty host in its list of hosts" : "has a port without a host: '" + abbreviate(spec) + "'");
            }
            if (!host.matches("[A-Za-z0-9._-]+")) {
                throw problem("has a host name with characters a host name cannot have: '" + abbreviate(host) + "'");
            }
        }
        int number = DEFAULT_PORT;
        if (port != null) {
            if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
                throw problem("has the port '" + abbreviate(port) + "' for " + host + ", not a number from 1 to 65535");
            }
            number = Integer.parseInt(port);
        }
        return host + ":" + number;
    }

    private static String database(String path) {
        String name = decode(path, "the database name");
        if (name.isEmpty()) {
            throw problem("names no database: end it with /DATABASE (postgresql://HOST:5432/DATABASE)");
        }
        if (name.contains("/")) {
            throw problem("has a database name with a '/' in it: '" + abbreviate(name) + "'");
        }
        return name;
    }

    private static Map<String, String> parameters(String query) {
        Map<String, String> out = new LinkedHashMap<>();
        if (query.isEmpty()) {
            return out;
        }
        for (String pair : query.split("&", -1)) {
            int eq = pair.indexOf('=');
            if (pair.isEmpty() || eq <= 0) {
                throw problem("has a parameter that is not NAME=VALUE: '" + abbreviate(pair) + "'");
            }
            String name = decode(pair.substring(0, eq), "a parameter name");
            String value = decode(pair.substring(eq + 1), "the value of '" + name + "'");
            if (out.put(LIBPQ_NAMES.getOrDefault(name, name), value) != null) {
                throw problem("gives the parameter '" + name + "' twice");
            }
        }
        return out;
    }

    /** A parameter the driver knows, with one of its allowed values where it has a fixed set. */
    private static String checkedParameter(String name, String value) {
        PGProperty property = PGProperty.forName(name);
        if (property == null) {
            throw problem("has the parameter '" + abbreviate(name) + "', which the PostgreSQL driver does not know "
                    + "(libpq's connect_timeout and application_name are understood; see pgjdbc's connection parameters)");
        }
        String[] choices = property.getChoices();
        if (choices != null && choices.length > 0 && Arrays.stream(choices).noneMatch(c -> c.equals(value))) {
            throw problem("has " + name + "='" + abbreviate(value) + "'; it must be one of " + String.join(", ", choices));
        }
        return name;
    }

    private static String firstSet(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return null;
    }

    private static String decode(String s, String what) {
        try {
            // Percent-decoding as in a URI: a '+' stays a '+' (URLDecoder alone would make it a space).
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw problem("has a broken %-escape in " + what);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** Long or odd parts are cut, so that a message stays one readable line. */
    private static String abbreviate(String s) {
        return s.length() > 60 ? s.substring(0, 60) + "…" : s;
    }

    private static ConfigException problem(String what) {
        return new ConfigException(SETTING + " " + what);
    }
}
