package dev.photosidecar.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * Speaks HTTP/1.1 over a plain socket, for requests no well-behaved client library will send: lying
 * Content-Lengths, bodies cut short, raw bytes in headers.
 */
public final class RawHttp {
    private RawHttp() {
    }

    /** The parsed first answer: status and body (headers are kept in {@code head}). */
    public record Answer(int status, String head, String body) {
    }

    /**
     * Sends {@code head} (request line and headers, without the blank line) and {@code body}, then
     * half-closes the connection so the server sees the end of the input, and reads the first answer.
     */
    public static Answer exchange(int port, String head, byte[] body, boolean halfClose) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            all.write((head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            all.write(body);
            out.write(all.toByteArray());
            out.flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            return read(s.getInputStream());
        }
    }

    public static Answer exchange(int port, byte[] rawRequest) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(20_000);
            s.getOutputStream().write(rawRequest);
            s.getOutputStream().flush();
            return read(s.getInputStream());
        }
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] b = new byte[8192];
        int n;
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
                n = in.read(b);
                if (n < 0) {
                    break;
                }
                buf.write(b, 0, n);
            }
        } catch (SocketTimeoutException e) {
            // answer what we have
        }
        String text = buf.toString(StandardCharsets.UTF_8);
        int headEnd = text.indexOf("\r\n\r\n");
        if (headEnd < 0) {
            return new Answer(-1, text, "");
        }
        String head = text.substring(0, headEnd);
        int status = Integer.parseInt(head.split(" ")[1]);
        String body = text.substring(headEnd + 4);
        int length = contentLength(head);
        if (length >= 0 && body.length() > length) {
            body = body.substring(0, length);
        }
        return new Answer(status, head, body);
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                return Integer.parseInt(line.substring(15).trim());
            }
        }
        return -1;
    }
}
