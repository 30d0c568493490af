package dev.photosidecar.cli.push;

import java.io.IOException;
import java.util.Optional;

/** Finds the EXIF block of a JPEG: the APP1 segment that starts with "Exif\0\0", before the image data. */
final class JpegSegments {
    private static final int MAX_SEGMENTS = 1000;

    private JpegSegments() {
    }

    static Optional<ByteSource> exif(ByteSource jpeg) throws IOException {
        if (jpeg.size() < 4 || jpeg.u16be(0) != 0xFFD8) {
            return Optional.empty();
        }
        long pos = 2;
        for (int i = 0; i < MAX_SEGMENTS && pos + 4 <= jpeg.size(); i++) {
            if ((jpeg.exactly(pos, 1)[0] & 0xFF) != 0xFF) {
                return Optional.empty();
            }
            int marker = jpeg.exactly(pos + 1, 1)[0] & 0xFF;
            if (marker == 0xFF) {
                pos++; // a fill byte
                continue;
            }
            if (marker == 0xD9 || marker == 0xDA) {
                return Optional.empty(); // end of image, or start of scan: metadata comes before
            }
            if (marker >= 0xD0 && marker <= 0xD7 || marker == 0x01) {
                pos += 2; // markers without a length
                continue;
            }
            int length = jpeg.u16be(pos + 2);
            if (length < 2) {
                return Optional.empty();
            }
            if (marker == 0xE1 && length >= 8 && jpeg.ascii(pos + 4, 6).equals("Exif\0\0")) {
                return Optional.of(jpeg.slice(pos + 10, length - 8));
            }
            pos += 2 + length;
        }
        return Optional.empty();
    }
}
