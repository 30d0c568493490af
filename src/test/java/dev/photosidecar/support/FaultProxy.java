package dev.photosidecar.support;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real TCP proxy on loopback between the sidecar and a real WebDAV server, which forwards bytes and, when
 * told, breaks the conversation the way networks and hosts do: latency, a reset in the middle of a request
 * body, a stall longer than the client's socket timeout, a truncated response, or a host that accepts the
 * connection and never answers.
 *
 * <p>It reads just enough HTTP/1.1 to act on one request: the request line, {@code Content-Length} (the
 * sidecar always sends one) and the first line of the answer. The answer to a request is whatever the
 * server sends between that request and the next one on the connection: clients like Apache HttpClient
 * never pipeline, so no framing of answers is needed. Which fault hits which request is decided by
 * {@link #policy}, per request, when its head arrives; {@link #blackHole} and {@link #latency} switch a
 * time window on and off. A {@link Tap} sees every request and answer as it passes (the crash loop uses it to
 * kill the sidecar at a chosen moment).
 */
public final class FaultProxy implements AutoCloseable {

    /** What happens to one request. */
    public enum Fault {
        /** Forwarded both ways untouched. */
        PASS("pass"),
        /** The connection is reset (RST) after part of the request body has gone to the server. */
        RESET_MID_BODY("reset-mid-body"),
        /** The request reaches the server, its answer is held back longer than the client waits, then dropped. */
        STALL("stall"),
        /**
         * Part of the request body (256 KiB at most) goes to the server, then the proxy stops reading (the
         * client's writes block once the buffers are full) for the stall time, then drops the connection.
         */
        STALL_MID_BODY("stall-mid-body"),
        /** The request reaches the server, its answer is cut off (in the head or the body) and the connection closed. */
        TRUNCATE("truncate"),
        /** The request is swallowed: the server never sees it and the client never gets an answer. */
        NEVER_ANSWER("never-answer");

        private final String label;

        Fault(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** One request passing through: which connection, method, raw path, body length. */
    public record Request(int connection, int number, String method, String path, long contentLength, String head) {
        @Override
        public String toString() {
            return method + " " + path + " (connection " + connection + ", request " + number + ")";
        }
    }

    /** Sees the traffic. Called on the proxy's threads, before the bytes in question are forwarded. */
    public interface Tap {
        /** False drops the connection instead of forwarding the request: the server never sees it. */
        default boolean requestHead(Request r) {
            return true;
        }

        default void requestBody(Request r, long forwarded) {
        }

        default void responseHead(Request r, int status) {
        }
    }

    private static final int BUFFER = 64 * 1024;

    private final int targetPort;
    private final ServerSocket server;
    private final Thread acceptor;
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Map<Fault, AtomicInteger> injected = new ConcurrentHashMap<>();
    private volatile Function<Request, Fault> policy = r -> Fault.PASS;
    private volatile Duration latency = Duration.ZERO;
    private volatile Duration stall = Duration.ofSeconds(5);
    private volatile boolean blackHole;
    private volatile Tap tap = new Tap() {
    };
    private volatile boolean closed;

    private FaultProxy(int targetPort, ServerSocket server) {
        this.targetPort = targetPort;
        this.server = server;
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept-" + server.getLocalPort());
        acceptor.setDaemon(true);
    }

    /** Listens on a free loopback port and forwards to {@code 127.0.0.1:targetPort}. */
    public static FaultProxy start(int targetPort) {
        try {
            ServerSocket s = new ServerSocket();
            // A fixed receive buffer (no autotuning up to tens of MiB): a proxy that stops reading makes the
            // client's writes block after a few MiB, as a real stalled host does.
            s.setReceiveBufferSize(256 * 1024);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 200);
            FaultProxy p = new FaultProxy(targetPort, s);
            p.acceptor.start();
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** {@code http://127.0.0.1:PORT/} */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/";
    }

    /** Decides the fault for every request from now on. */
    public FaultProxy policy(Function<Request, Fault> decide) {
        this.policy = decide;
        return this;
    }

    /** Added before every piece of data forwarded, either way ({@link Duration#ZERO} for none). */
    public FaultProxy latency(Duration perChunk) {
        this.latency = perChunk;
        return this;
    }

    /** How long a {@link Fault#STALL} holds the answer before dropping the connection. */
    public FaultProxy stall(Duration d) {
        this.stall = d;
        return this;
    }

    /**
     * While on, every request (on new and on pooled connections) is swallowed as {@link Fault#NEVER_ANSWER}:
     * a host that accepts connections and never says a word.
     */
    public FaultProxy blackHole(boolean on) {
        this.blackHole = on;
        return this;
    }

    public FaultProxy tap(Tap t) {
        this.tap = t;
        return this;
    }

    /** How many requests each fault has hit so far (PASS included). */
    public int injected(Fault f) {
        AtomicInteger n = injected.get(f);
        return n == null ? 0 : n.get();
    }

    /** Drops every open connection (with a reset). */
    private void dropAll() {
        for (Socket s : open) {
            reset(s);
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        dropAll();
    }

    // ------------------------------------------------------------------------------------------------

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                int id = connections.incrementAndGet();
                Thread t = new Thread(() -> serve(client, id), "fault-proxy-" + id);
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    sleep(Duration.ofMillis(10));
                }
            }
        }
    }

    /** One client connection: a thread per direction. Requests flow client → server on this thread. */
    private void serve(Socket client, int id) {
        open.add(client);
        Socket upstream = null;
        try {
            client.setTcpNoDelay(true);
            Connection c = new Connection(id, client);
            InputStream fromClient = new BufferedInputStream(client.getInputStream(), BUFFER);
            byte[] buf = new byte[BUFFER];
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int number = 0;
            while (true) {
                // Read one request head.
                head.reset();
                if (!readHead(fromClient, head)) {
                    return; // the client closed between requests
                }
                String text = head.toString(StandardCharsets.ISO_8859_1);
                Request r = parse(id, ++number, text);
                Fault f = blackHole ? Fault.NEVER_ANSWER : policy.apply(r);
                injected.computeIfAbsent(f, k -> new AtomicInteger()).incrementAndGet();
                if (!tap.requestHead(r)) {
                    reset(client);
                    return;
                }
                if (f == Fault.NEVER_ANSWER) {
                    drain(fromClient, buf);
                    return;
                }
                if (upstream == null) {
                    upstream = new Socket();
                    upstream.setTcpNoDelay(true);
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), 5000);
                    open.add(upstream);
                    c.startAnswers(upstream);
                }
                c.current(r, f);
                OutputStream toServer = upstream.getOutputStream();
                pause();
                toServer.write(head.toByteArray());
                toServer.flush();
                long remaining = r.contentLength();
                long forwarded = 0;
                long resetAt = f == Fault.RESET_MID_BODY ? Math.max(1, remaining / 2)
                        : f == Fault.STALL_MID_BODY ? Math.max(1, Math.min(remaining / 2, 256 * 1024)) : Long.MAX_VALUE;
                while (remaining > 0) {
                    int n = fromClient.read(buf, 0, (int) Math.min(buf.length, Math.min(remaining, resetAt - forwarded)));
                    if (n < 0) {
                        return;
                    }
                    pause();
                    toServer.write(buf, 0, n);
                    toServer.flush();
                    forwarded += n;
                    remaining -= n;
                    tap.requestBody(r, forwarded);
                    if (forwarded >= resetAt) {
                        if (f == Fault.STALL_MID_BODY) {
                            sleep(stall);
                        }
                        reset(upstream);
                        reset(client);
                        return;
                    }
                }
                if (f == Fault.RESET_MID_BODY) {
                    // No body to cut: reset as soon as the request has gone out.
                    reset(upstream);
                    reset(client);
                    return;
                }
            }
        } catch (IOException e) {
            // a side went away; the other one goes too
        } finally {
            closeQuietly(client);
            closeQuietly(upstream);
            open.remove(client);
            if (upstream != null) {
                open.remove(upstream);
            }
        }
    }

    /** The server → client half of one connection, acting on the request the answer belongs to. */
    private final class Connection {
        private final int id;
        private final Socket client;
        private volatile Request request;
        private volatile Fault fault = Fault.PASS;

        Connection(int id, Socket client) {
            this.id = id;
            this.client = client;
        }

        void current(Request r, Fault f) {
            this.fault = f;
            this.request = r;
        }

        void startAnswers(Socket upstream) {
            Thread t = new Thread(() -> pumpAnswers(upstream), "fault-proxy-" + id + "-answers");
            t.setDaemon(true);
            t.start();
        }

        private void pumpAnswers(Socket upstream) {
            byte[] buf = new byte[BUFFER];
            ByteArrayOutputStream firstBytes = new ByteArrayOutputStream();
            int seenFor = 0;
            boolean headSeen = false;
            try {
                InputStream fromServer = upstream.getInputStream();
                OutputStream toClient = client.getOutputStream();
                int n;
                while ((n = fromServer.read(buf)) >= 0) {
                    Request r = request;
                    Fault f = fault;
                    if (r != null && r.number() != seenFor) {
                        seenFor = r.number();
                        headSeen = false;
                        firstBytes.reset();
                    }
                    if (r != null && !headSeen) {
                        firstBytes.write(buf, 0, n);
                        String sofar = firstBytes.toString(StandardCharsets.ISO_8859_1);
                        int eol = sofar.indexOf("\r\n");
                        if (eol > 0) {
                            headSeen = true;
                            tap.responseHead(r, statusOf(sofar.substring(0, eol)));
                            if (f == Fault.STALL) {
                                sleep(stall);
                                reset(client);
                                reset(upstream);
                                return;
                            }
                            if (f == Fault.TRUNCATE) {
                                truncate(toClient, firstBytes.toByteArray(), sofar);
                                return;
                            }
                        } else if (f == Fault.STALL || f == Fault.TRUNCATE) {
                            continue; // wait for the whole status line before acting
                        }
                        pause();
                        toClient.write(firstBytes.toByteArray());
                        toClient.flush();
                        continue;
                    }
                    pause();
                    toClient.write(buf, 0, n);
                    toClient.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                // A stalled body keeps the client hanging even when the server gives up waiting for the rest
                // (lighttpd does after 60 s): the stall decides when the client hears anything.
                if (fault != Fault.STALL_MID_BODY) {
                    closeQuietly(client);
                }
                closeQuietly(upstream);
            }
        }

        /**
         * Sends part of the answer, then closes the connection (a FIN, as a proxy or a crashing host does):
         * half of the body when the head says there is one and it has arrived, else half of the head.
         */
        private void truncate(OutputStream toClient, byte[] received, String text) throws IOException {
            int headEnd = text.indexOf("\r\n\r\n");
            int cut;
            if (headEnd >= 0 && received.length > headEnd + 4 + 1) {
                cut = headEnd + 4 + (received.length - headEnd - 4) / 2;
            } else {
                int end = headEnd >= 0 ? headEnd : received.length;
                cut = Math.max(1, end / 2);
            }
            toClient.write(received, 0, cut);
            toClient.flush();
            client.shutdownOutput();
            closeQuietly(client);
        }
    }

    private static Request parse(int connection, int number, String head) throws IOException {
        String[] lines = head.split("\r\n");
        String[] first = lines[0].split(" ");
        if (first.length < 2) {
            throw new IOException("not an HTTP request: " + lines[0]);
        }
        long length = 0;
        for (String line : lines) {
            String lower = line.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(line.substring("content-length:".length()).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                throw new IOException("chunked request bodies are not supported by this proxy: " + lines[0]);
            }
        }
        return new Request(connection, number, first[0], first[1], length, head);
    }

    private static int statusOf(String statusLine) {
        String[] parts = statusLine.split(" ");
        try {
            return parts.length > 1 ? Integer.parseInt(parts[1]) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Reads up to and including the blank line; false if the stream ended before any byte. */
    private static boolean readHead(InputStream in, ByteArrayOutputStream head) throws IOException {
        int matched = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                if (head.size() == 0) {
                    return false;
                }
                throw new IOException("the connection ended inside a request head");
            }
            head.write(b);
            if (b == '\r') {
                matched = matched == 2 ? 3 : 1;
            } else if (b == '\n') {
                matched = matched == 1 ? 2 : matched == 3 ? 4 : 0;
            } else {
                matched = 0;
            }
            if (matched == 4) {
                return true;
            }
        }
    }

    private static void drain(InputStream in, byte[] buf) throws IOException {
        while (in.read(buf) >= 0) {
            // a black hole reads everything and says nothing
        }
    }

    private void pause() {
        Duration d = latency;
        if (!d.isZero()) {
            sleep(d);
        }
    }

    private static void reset(Socket s) {
        if (s == null) {
            return;
        }
        try {
            s.setSoLinger(true, 0);
        } catch (SocketException ignored) {
            // already closed
        }
        closeQuietly(s);
    }

    private static void closeQuietly(Socket s) {
        if (s == null) {
            return;
        }
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
