package dev.photosidecar.http;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The media types of photo libraries and their usual file extensions, both ways. */
final class MediaTypes {
    static final String OCTET_STREAM = "application/octet-stream";

    private static final Map<String, String> EXTENSION_BY_TYPE = Map.ofEntries(
            Map.entry("image/jpeg", "jpg"),
            Map.entry("image/heic", "heic"),
            Map.entry("image/heif", "heif"),
            Map.entry("image/heic-sequence", "heics"),
            Map.entry("image/png", "png"),
            Map.entry("image/gif", "gif"),
            Map.entry("image/webp", "webp"),
            Map.entry("image/tiff", "tiff"),
            Map.entry("image/avif", "avif"),
            Map.entry("image/x-adobe-dng", "dng"),
            Map.entry("image/dng", "dng"),
            Map.entry("video/quicktime", "mov"),
            Map.entry("video/mp4", "mp4"),
            Map.entry("video/x-m4v", "m4v"),
            Map.entry("audio/mp4", "m4a"),
            Map.entry("audio/x-m4a", "m4a"),
            Map.entry("audio/mpeg", "mp3"),
            Map.entry("audio/x-caf", "caf"),
            Map.entry("audio/wav", "wav"),
            Map.entry("application/x-plist", "plist"),
            Map.entry("application/xml", "xml"),
            Map.entry("application/json", "json"));

    private static final Map<String, String> TYPE_BY_EXTENSION = Map.ofEntries(
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("heic", "image/heic"),
            Map.entry("heif", "image/heif"),
            Map.entry("heics", "image/heic-sequence"),
            Map.entry("png", "image/png"),
            Map.entry("gif", "image/gif"),
            Map.entry("webp", "image/webp"),
            Map.entry("tif", "image/tiff"),
            Map.entry("tiff", "image/tiff"),
            Map.entry("avif", "image/avif"),
            Map.entry("dng", "image/x-adobe-dng"),
            Map.entry("mov", "video/quicktime"),
            Map.entry("mp4", "video/mp4"),
            Map.entry("m4v", "video/x-m4v"),
            Map.entry("m4a", "audio/mp4"),
            Map.entry("mp3", "audio/mpeg"),
            Map.entry("caf", "audio/x-caf"),
            Map.entry("wav", "audio/wav"),
            Map.entry("aae", "application/xml"),
            Map.entry("plist", "application/x-plist"),
            Map.entry("xml", "application/xml"),
            Map.entry("json", "application/json"));

    private MediaTypes() {
    }

    /** "image/jpeg; charset=x" → "image/jpeg". */
    static String essence(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi >= 0 ? contentType.substring(0, semi) : contentType).strip().toLowerCase(Locale.ROOT);
    }

    static Optional<String> extensionFor(String mediaType) {
        return Optional.ofNullable(EXTENSION_BY_TYPE.get(essence(mediaType)));
    }

    static String guessFromName(String filename) {
        int dot = filename.lastIndexOf('.');
        if (dot < 0) {
            return OCTET_STREAM;
        }
        return TYPE_BY_EXTENSION.getOrDefault(filename.substring(dot + 1).toLowerCase(Locale.ROOT), OCTET_STREAM);
    }
}
