package dev.photosidecar.push;

import java.nio.charset.StandardCharsets;
import java.text.Normalizer;

/**
 * A file name as the {@code X-Filename} header carries it: NFC, then every byte outside RFC 3986's
 * unreserved characters percent-encoded, so any name (spaces, '#', '%', Unicode) survives HTTP intact.
 */
final class HeaderText {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private HeaderText() {
    }

    static String percentEncoded(String name) {
        StringBuilder sb = new StringBuilder();
        for (byte b : Normalizer.normalize(name, Normalizer.Form.NFC).getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_'
                    || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return sb.toString();
    }
}
