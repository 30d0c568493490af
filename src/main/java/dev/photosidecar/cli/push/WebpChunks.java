package dev.photosidecar.cli.push;

import java.io.IOException;
import java.util.Optional;

/** Finds the EXIF block of a WebP file: the RIFF chunk {@code EXIF}, sometimes with JPEG's "Exif\0\0" in front. */
final class WebpChunks {
    private static final int MAX_CHUNKS = 10_000;

    private WebpChunks() {
    }

    static Optional<ByteSource> exif(ByteSource webp) throws IOException {
        if (webp.size() < 12 || !webp.ascii(0, 4).equals("RIFF") || !webp.ascii(8, 4).equals("WEBP")) {
            return Optional.empty();
        }
        long pos = 12;
        for (int i = 0; i < MAX_CHUNKS && pos + 8 <= webp.size(); i++) {
            String type = webp.ascii(pos, 4);
            long length = webp.u32le(pos + 4);
            if (type.equals("EXIF")) {
                ByteSource data = webp.slice(pos + 8, length);
                boolean jpegStyle = data.size() >= 6 && data.ascii(0, 6).equals("Exif\0\0");
                return Optional.of(jpegStyle ? data.slice(6, data.size() - 6) : data);
            }
            pos += 8 + length + (length & 1); // chunks are padded to an even length
        }
        return Optional.empty();
    }
}
