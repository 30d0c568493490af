package dev.photosidecar.cli.push;

import java.io.IOException;
import java.util.Optional;

/** Finds the EXIF block of a PNG: the {@code eXIf} chunk (PNG 1.5), which holds a TIFF structure. */
final class PngChunks {
    private static final int MAX_CHUNKS = 100_000;
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};

    private PngChunks() {
    }

    static Optional<ByteSource> exif(ByteSource png) throws IOException {
        if (!java.util.Arrays.equals(png.read(0, 8), SIGNATURE)) {
            return Optional.empty();
        }
        long pos = 8;
        for (int i = 0; i < MAX_CHUNKS && pos + 12 <= png.size(); i++) {
            long length = png.u32be(pos);
            String type = png.ascii(pos + 4, 4);
            if (type.equals("eXIf")) {
                return Optional.of(png.slice(pos + 8, length));
            }
            if (type.equals("IEND")) {
                break;
            }
            pos += 12 + length;
        }
        return Optional.empty();
    }
}
