package dev.photosidecar.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A deliberately hostile or broken HTTP host on loopback: the one kind of hand-written server the tests use,
 * since no real server redirects to a stranger, trickles, or never ends on purpose. By default it forwards each
 * request to a real WebDAV server ({@link #forwardingTo}); its {@link #policy} can instead answer a request
 * with a redirect, a head that trickles one byte at a time, an endless or a huge body, or any answer of its
 * own. It records every request it receives ({@link #requests}), so a test can show that nothing reached it,
 * and what each misbehaving answer cost the client ({@link #acts}).
 *
 * <p>One request per connection: every answer says {@code Connection: close}, forwarded ones included.
 */
public final class HostileHost implements AutoCloseable {

    /** A request as it arrived: header names lower-cased. */
    public record Request(String method, String path, Map<String, String> headers, byte[] body) {
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        /** The head and body as text, for searching for a secret. */
        public String text() {
            return method + " " + path + "\n" + headers + "\n" + new String(body, StandardCharsets.ISO_8859_1);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** What a misbehaving answer did: how many bytes went out, and how long until the client hung up. */
    public record Done(String kind, Request request, long bytesSent, Duration lasted) {
    }

    /** How the host answers one request. */
    public interface Act {
        void answer(Request r, OutputStream out, HostileHost host) throws IOException;
    }

    private static final int MAX_HEAD = 64 * 1024;

    private final ServerSocket server;
    private final Optional<Integer> upstreamPort;
    private final Thread acceptor;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Done> acts = new CopyOnWriteArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger connections = new AtomicInteger();
    private volatile Function<Request, Act> policy = r -> null;
    private volatile Function<String, String> upstreamPath = p -> p;
    private volatile Optional<String> upstreamAuthorization = Optional.empty();
    private volatile boolean closed;

    private HostileHost(ServerSocket server, Optional<Integer> upstreamPort) {
        this.server = server;
        this.upstreamPort = upstreamPort;
        this.acceptor = new Thread(this::acceptLoop, "hostile-host-" + server.getLocalPort());
        acceptor.setDaemon(true);
    }

    /** A host that forwards what its policy lets pass to {@code 127.0.0.1:port}. */
    public static HostileHost forwardingTo(int port) {
        return start(Optional.of(port));
    }

    /**
     * A second origin that only records: it challenges for Basic credentials ({@code 401} with
     * {@code WWW-Authenticate}), and answers {@code 200} to a request that brings some. Whatever a client
     * sends it, it has.
     */
    public static HostileHost recorder() {
        HostileHost h = start(Optional.empty());
        h.policy(r -> r.header("Authorization").isPresent() ? answer(200, Map.of(), "thanks")
                : answer(401, Map.of("WWW-Authenticate", "Basic realm=\"give me your password\""), "who are you?"));
        return h;
    }

    private static HostileHost start(Optional<Integer> upstream) {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            HostileHost h = new HostileHost(s, upstream);
            h.acceptor.start();
            return h;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Decides, per request, how to answer; {@code null} (or {@link #pass()}) forwards it. */
    public HostileHost policy(Function<Request, Act> p) {
        this.policy = p;
        return this;
    }

    /** Rewrites the path (request line and {@code Destination}) of what is forwarded. */
    public HostileHost upstreamPath(Function<String, String> rewrite) {
        this.upstreamPath = rewrite;
        return this;
    }

    /** Forwards with this {@code Authorization} instead of the client's (the host accepting AppAPI headers). */
    public HostileHost upstreamAuthorization(String value) {
        this.upstreamAuthorization = Optional.of(value);
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:port/} */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/";
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public List<Done> acts() {
        return List.copyOf(acts);
    }

    // ---------------------------------------------------------------------------------------------- acts

    public static Act pass() {
        return null;
    }

    /** A complete answer with this status, headers and body. */
    public static Act answer(int status, Map<String, String> headers, String body) {
        return (r, out, host) -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put("Content-Length", String.valueOf(b.length));
            out.write(head(status, h));
            out.write(b);
            out.flush();
        };
    }

    public static Act redirect(int status, String location) {
        return answer(status, Map.of("Location", location), "moved");
    }

    /**
     * The status line, then an endless header, one byte every {@code every}: the client's socket timeout (longer
     * than {@code every}) never fires. Goes on until the client hangs up.
     */
    public static Act trickle(int status, Duration every) {
        return (r, out, host) -> host.measure("trickle", r, sent -> {
            out.write(("HTTP/1.1 " + status + " Trickling\r\nX-Trickle: ").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            while (!host.closed) {
                try {
                    Thread.sleep(every.toMillis());
                } catch (InterruptedException e) {
                    return;
                }
                out.write('a');
                out.flush();
                sent.incrementAndGet();
            }
        });
    }

    /**
     * A chunked body that never ends: {@code prefix}, then {@code filler} again and again, as fast as the
     * client reads. Goes on until the client hangs up.
     */
    public static Act endless(int status, String contentType, String prefix, String filler) {
        return (r, out, host) -> host.measure("endless", r, sent -> {
            out.write(head(status, Map.of("Content-Type", contentType, "Transfer-Encoding", "chunked")));
            sent.addAndGet(writeChunk(out, prefix.getBytes(StandardCharsets.UTF_8)));
            byte[] block = filler.repeat(Math.max(1, 64 * 1024 / Math.max(1, filler.length()))).getBytes(StandardCharsets.UTF_8);
            while (!host.closed) {
                sent.addAndGet(writeChunk(out, block));
            }
        });
    }

    /** A body of {@code length} bytes (declared in {@code Content-Length}): {@code prefix}, then {@code filler}. */
    public static Act huge(int status, String contentType, long length, String prefix, char filler) {
        return (r, out, host) -> host.measure("huge", r, sent -> {
            out.write(head(status, Map.of("Content-Type", contentType, "Content-Length", String.valueOf(length))));
            byte[] p = prefix.getBytes(StandardCharsets.UTF_8);
            out.write(p);
            sent.addAndGet(p.length);
            byte[] block = String.valueOf(filler).repeat(64 * 1024).getBytes(StandardCharsets.UTF_8);
            while (sent.get() < length && !host.closed) {
                int n = (int) Math.min(block.length, length - sent.get());
                out.write(block, 0, n);
                sent.addAndGet(n);
            }
            out.flush();
        });
    }

    // ----------------------------------------------------------------------------------------- serving

    private interface Sending {
        /** Writes the answer, counting the body bytes that went out in {@code sent}. */
        void run(java.util.concurrent.atomic.AtomicLong sent) throws IOException;
    }

    /** Runs a misbehaving answer and records how far it got before the client hung up. */
    private void measure(String kind, Request r, Sending sending) {
        long start = System.nanoTime();
        java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();
        try {
            sending.run(sent);
        } catch (IOException hungUp) {
            // the client closed the connection: exactly what a bounded client does
        } finally {
            acts.add(new Done(kind, r, sent.get(), Duration.ofNanos(System.nanoTime() - start)));
        }
    }

    private static long writeChunk(OutputStream out, byte[] data) throws IOException {
        out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(data);
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return data.length;
    }

    private static byte[] head(int status, Map<String, String> headers) {
        StringBuilder sb = new StringBuilder("HTTP/1.1 ").append(status).append(" Hostile\r\n");
        headers.forEach((k, v) -> sb.append(k).append(": ").append(v).append("\r\n"));
        sb.append("Connection: close\r\n\r\n");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "hostile-host-conn-" + connections.incrementAndGet());
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    continue;
                }
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            client.setSoTimeout(30_000);
            InputStream in = client.getInputStream();
            Request r = readRequest(in);
            if (r == null) {
                return;
            }
            requests.add(r);
            Act act = policy.apply(r);
            OutputStream out = client.getOutputStream();
            if (act != null) {
                act.answer(r, out, this);
            } else if (upstreamPort.isPresent()) {
                forward(r, out);
            } else {
                answer(404, Map.of(), "nothing here").answer(r, out, this);
            }
        } catch (IOException e) {
            // the client went away
        } finally {
            open.remove(client);
        }
    }

    private void forward(Request r, OutputStream out) throws IOException {
        try (Socket up = new Socket(InetAddress.getLoopbackAddress(), upstreamPort.orElseThrow())) {
            up.setSoTimeout(60_000);
            StringBuilder sb = new StringBuilder(r.method()).append(' ').append(upstreamPath.apply(r.path())).append(" HTTP/1.1\r\n");
            r.headers().forEach((k, v) -> {
                if (k.equals("connection") || k.equals("authorization") && upstreamAuthorization.isPresent()) {
                    return;
                }
                if (k.equals("destination")) {
                    int at = v.indexOf('/', v.indexOf("//") + 2);
                    v = v.substring(0, at) + upstreamPath.apply(v.substring(at));
                }
                sb.append(k).append(": ").append(v).append("\r\n");
            });
            upstreamAuthorization.ifPresent(a -> sb.append("authorization: ").append(a).append("\r\n"));
            sb.append("connection: close\r\n\r\n");
            OutputStream upOut = up.getOutputStream();
            upOut.write(sb.toString().getBytes(StandardCharsets.UTF_8));
            upOut.write(r.body());
            upOut.flush();
            up.getInputStream().transferTo(out);
            out.flush();
        }
    }

    /** The request head and its Content-Length body; null when the connection closed before a request. */
    private static Request readRequest(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int state = 0;
        while (state < 4) {
            int b = in.read();
            if (b < 0) {
                return null;
            }
            head.write(b);
            if (head.size() > MAX_HEAD) {
                throw new IOException("request head too large");
            }
            state = (b == '\r' && (state == 0 || state == 2)) || (b == '\n' && (state == 1 || state == 3)) ? state + 1
                    : b == '\r' ? 1 : 0;
        }
        String[] lines = head.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        String[] requestLine = lines[0].split(" ");
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
            }
        }
        long length = Long.parseLong(headers.getOrDefault("content-length", "0"));
        byte[] body = in.readNBytes((int) length);
        return new Request(requestLine[0], requestLine[1], headers, body);
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : new ArrayList<>(open)) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
