package dev.photosidecar.http;

import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import dev.photosidecar.ledger.ResourceType;
import dev.photosidecar.names.FileNames;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.text.Normalizer;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Everything an upload says about itself in its headers, checked before a byte of the body is read. All
 * metadata travels in headers because the phone's system daemon sends the body as raw bytes.
 */
public record UploadMetadata(
        String filename,
        ResourceType resourceType,
        Optional<String> assetId,
        Optional<Instant> createdAt,
        String contentType,
        Optional<byte[]> sha256) {

    // Compiled once: every upload is checked against them.
    private static final Pattern MEDIA_TYPE = Pattern.compile("[a-z0-9!#$&^_.+-]+/[a-z0-9!#$&^_.+-]+");
    private static final Pattern PERCENT_ESCAPE = Pattern.compile("%[0-9A-Fa-f]{2}");
    private static final Instant EARLIEST = Instant.parse("1826-01-01T00:00:00Z");

    /** @param header a header lookup (case-insensitive names), returning null when absent */
    public static UploadMetadata parse(String key, UnaryOperator<String> header) {
        ResourceType type = Optional.ofNullable(header.apply("X-Resource-Type"))
                .map(v -> ResourceType.parse(v).orElseThrow(() -> new Problem(ErrorCode.INVALID_RESOURCE_TYPE,
                        "X-Resource-Type '" + UploadKey.printable(shorten(v)) + "' is unknown; use one of "
                                + Arrays.stream(ResourceType.values()).map(ResourceType::wire).collect(Collectors.joining(", "))
                                + ", or Apple's number for it")))
                .orElse(ResourceType.PHOTO);

        String declaredType = header.apply("Content-Type");
        Optional<String> mediaType = Optional.ofNullable(declaredType).map(String::strip)
                .filter(t -> !t.isEmpty())
                .map(UploadMetadata::checkMediaType)
                // The system labels raw bodies as a form; it is never one, and says nothing about the file.
                .filter(t -> !MediaTypes.essence(t).equals("application/x-www-form-urlencoded"))
                .filter(t -> !MediaTypes.essence(t).equals(MediaTypes.OCTET_STREAM));

        String filename = Optional.ofNullable(header.apply("X-Filename"))
                .map(UploadMetadata::decodeFilename)
                .orElseGet(() -> key + mediaType.flatMap(MediaTypes::extensionFor).map(e -> "." + e).orElse(""));
        checkFilename(filename);

        String contentType = mediaType.map(MediaTypes::essence).orElseGet(() -> MediaTypes.guessFromName(filename));

        Optional<String> assetId = Optional.ofNullable(header.apply("X-Asset-Id")).map(String::strip).map(a -> {
            if (a.isEmpty() || a.length() > 512 || a.chars().anyMatch(Character::isISOControl)) {
                throw new Problem(ErrorCode.INVALID_ASSET_ID, "X-Asset-Id must be 1-512 printable characters");
            }
            return a;
        });

        Optional<Instant> createdAt = Optional.ofNullable(header.apply("X-Created-At")).map(UploadMetadata::parseInstant);

        Optional<byte[]> content = ContentDigest.sha256("Content-Digest", header.apply("Content-Digest"));
        Optional<byte[]> repr = ContentDigest.sha256("Repr-Digest", header.apply("Repr-Digest"));
        if (content.isPresent() && repr.isPresent() && !Arrays.equals(content.get(), repr.get())) {
            throw new Problem(ErrorCode.INVALID_DIGEST, "Content-Digest and Repr-Digest name different SHA-256 values");
        }
        return new UploadMetadata(filename, type, assetId, createdAt, contentType, content.or(() -> repr));
    }

    private static String checkMediaType(String value) {
        if (!MEDIA_TYPE.matcher(MediaTypes.essence(value)).matches() || value.length() > 200) {
            throw new Problem(ErrorCode.INVALID_CONTENT_TYPE,
                    "Content-Type '" + UploadKey.printable(shorten(value)) + "' is not a media type like image/heic");
        }
        return value;
    }

    /**
     * The name as sent: UTF-8, possibly percent-encoded. HTTP hands header bytes over as ISO-8859-1
     * characters, so raw UTF-8 is first reassembled from them.
     */
    static String decodeFilename(String raw) {
        String text = raw.strip();
        if (text.chars().allMatch(c -> c <= 0xFF)) {
            text = strictUtf8(text.getBytes(StandardCharsets.ISO_8859_1), "X-Filename is not valid UTF-8");
        }
        if (PERCENT_ESCAPE.matcher(text).find()) {
            text = percentDecode(text);
        }
        // Stripped again after decoding: "%20..%20" is "..", and Nextcloud refuses names with trailing blanks.
        return Normalizer.normalize(text, Normalizer.Form.NFC).strip();
    }

    private static String percentDecode(String text) {
        ByteBuffer out = ByteBuffer.allocate(text.getBytes(StandardCharsets.UTF_8).length);
        for (int i = 0; i < text.length(); ) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length() && isHex(text.charAt(i + 1)) && isHex(text.charAt(i + 2))) {
                out.put((byte) Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 3;
            } else {
                int cp = text.codePointAt(i);
                out.put(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp);
            }
        }
        return strictUtf8(Arrays.copyOf(out.array(), out.position()), "X-Filename decodes to invalid UTF-8");
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0;
    }

    private static String strictUtf8(byte[] bytes, String message) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Problem(ErrorCode.INVALID_FILENAME, message);
        }
    }

    /** File names are data, never paths. */
    static void checkFilename(String name) {
        String why = null;
        if (name.isEmpty()) {
            why = "is empty";
        } else if (name.equals(".") || name.equals("..")) {
            why = "is '.' or '..'";
        } else if (name.indexOf('/') >= 0 || name.indexOf('\\') >= 0) {
            why = "contains '/' or '\\'";
        } else if (FileNames.utf8Length(name) > FileNames.MAX_SEGMENT_BYTES) {
            why = "is longer than " + FileNames.MAX_SEGMENT_BYTES + " bytes";
        } else if (FileNames.isTemporaryName(name)) {
            why = "has the form of the sidecar's own temporary files (.sidecar-*.tmp)";
        } else {
            why = FileNames.characterProblem(name).orElse(null);
        }
        if (why != null) {
            throw new Problem(ErrorCode.INVALID_FILENAME,
                    "file name '" + UploadKey.printable(shorten(name)) + "' " + why + "; names are data, not paths");
        }
    }

    private static Instant parseInstant(String value) {
        Instant t;
        try {
            t = OffsetDateTime.parse(value.strip(), DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeException e) {
            throw new Problem(ErrorCode.INVALID_CREATED_AT, "X-Created-At '" + UploadKey.printable(shorten(value))
                    + "' is not an ISO-8601 instant with an offset, like 2024-05-01T10:15:30Z");
        }
        if (t.isBefore(EARLIEST) || t.getEpochSecond() > 253402300799L) {
            throw new Problem(ErrorCode.INVALID_CREATED_AT, "X-Created-At " + value.strip() + " is not a plausible capture time");
        }
        return t;
    }

    private static String shorten(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "…" : s;
    }
}
