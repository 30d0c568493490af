package dev.photosidecar.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection on a plain socket that the test drives step by step: send the head, read an
 * interim (1xx) answer, send part of a body, drop the connection. This is how a phone losing its network
 * looks to the server, and how a 104 is seen on the wire rather than through a client library.
 */
public final class RawConnection implements AutoCloseable {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** One response head as it came over the wire; header names are lower-cased. */
    public record Head(String statusLine, int status, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    public RawConnection(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Over a socket the caller opened (a TLS socket, say). */
    public RawConnection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(60_000);
        socket.setTcpNoDelay(true);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Sends the request line and headers (CRLF-separated, without the blank line). */
    public RawConnection sendHead(String head) throws IOException {
        out.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    /** Copies exactly {@code n} bytes from {@code body} to the connection. */
    public void sendBody(InputStream body, long n) throws IOException {
        byte[] buf = new byte[64 * 1024];
        long left = n;
        while (left > 0) {
            int r = body.read(buf, 0, (int) Math.min(buf.length, left));
            if (r < 0) {
                throw new IOException("the body ended " + left + " bytes early");
            }
            out.write(buf, 0, r);
            left -= r;
        }
        out.flush();
    }

    public void sendBytes(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Reads the next response head (an interim one or the final one), byte by byte up to the blank line. */
    public Head readHead() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        String statusLine = null;
        Map<String, String> headers = new LinkedHashMap<>();
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("the connection closed before a full response head; got " + statusLine + " " + headers);
            }
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
                line.reset();
                if (statusLine == null) {
                    statusLine = text;
                } else if (text.isEmpty()) {
                    return new Head(statusLine, Integer.parseInt(statusLine.split(" ")[1]), headers);
                } else {
                    int colon = text.indexOf(':');
                    headers.put(text.substring(0, colon).strip().toLowerCase(Locale.ROOT), text.substring(colon + 1).strip());
                }
            } else {
                line.write(b);
            }
        }
    }

    /** Reads a body of the Content-Length the head announced. */
    public String readBody(Head head) throws IOException {
        String length = head.header("content-length");
        if (length == null) {
            return "";
        }
        byte[] body = in.readNBytes(Integer.parseInt(length));
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Drops the connection the way a phone losing its network does (RST, not a polite close). */
    public void drop() throws IOException {
        socket.setSoLinger(true, 0);
        socket.close();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
