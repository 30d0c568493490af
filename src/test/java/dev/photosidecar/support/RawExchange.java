package dev.photosidecar.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One raw HTTP/1.1 exchange for hostile requests: the bytes go out from a second thread while this one
 * reads, so an answer the server sends before it has read everything (431, 400 on a bad header) is seen
 * even when the server then resets the connection. Reports a cut-off connection as status -1.
 */
public final class RawExchange {
    private RawExchange() {
    }

    /** What came back: the status (-1 if the connection closed without an answer), head and body. */
    public record Answer(int status, String head, String body) {
        public boolean cutOff() {
            return status < 0;
        }

        public String header(String name) {
            for (String line : head.split("\r\n")) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                    return line.substring(colon + 1).trim();
                }
            }
            return null;
        }
    }

    /** A request that sends {@code bytes} and then, if asked, half-closes (the server sees the end of input). */
    public static Answer send(int port, byte[] bytes, boolean halfClose, int readTimeoutMillis) throws IOException {
        return send(port, out -> out.write(bytes), halfClose, readTimeoutMillis);
    }

    /** How a request goes out: all at once, in pieces, slowly. */
    @FunctionalInterface
    public interface Writer {
        void write(OutputStream out) throws IOException, InterruptedException;
    }

    public static Answer send(int port, Writer writer, boolean halfClose, int readTimeoutMillis) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(readTimeoutMillis);
            Thread sender = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    writer.write(out);
                    out.flush();
                    if (halfClose) {
                        s.shutdownOutput();
                    }
                } catch (IOException | InterruptedException e) {
                    // The server stopped listening: what it answered is read below.
                }
            }, "raw-sender");
            sender.setDaemon(true);
            sender.start();
            Answer a = read(s.getInputStream());
            sender.interrupt();
            return a;
        }
    }

    public static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            all.writeBytes(p);
        }
        return all.toByteArray();
    }

    private static Answer read(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        try {
            while (true) {
                String sofar = buf.toString(StandardCharsets.UTF_8);
                int headEnd = sofar.indexOf("\r\n\r\n");
                if (headEnd >= 0) {
                    int length = contentLength(sofar.substring(0, headEnd));
                    if (length >= 0 && buf.size() >= headEnd + 4 + length) {
                        break;
                    }
                }
                int n = in.read(b);
                if (n < 0) {
                    break;
                }
                buf.write(b, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // answer with what arrived
        } catch (IOException reset) {
            // a reset after (part of) an answer: keep what arrived
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0 || !text.startsWith("HTTP/1.1 ")) {
            return new Answer(-1, text, "");
        }
        String head = text.substring(0, headEnd);
        String body = text.substring(headEnd + 4);
        int length = contentLength(head);
        if (length >= 0 && body.length() > length) {
            body = body.substring(0, length);
        }
        return new Answer(Integer.parseInt(head.substring(9, 12)), head, body);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return -1;
    }
}
