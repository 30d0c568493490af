package dev.photosidecar.push;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What {@code push} sends for a file, decided by its extension alone: the media type and whether it is a
 * photo or a video. Files with other extensions are not photos or videos and are not pushed.
 */
public record MediaFormat(String extension, String contentType, String resourceType) {
    private static final Map<String, MediaFormat> BY_EXTENSION = Map.ofEntries(
            photo("jpg", "image/jpeg"),
            photo("jpeg", "image/jpeg"),
            photo("heic", "image/heic"),
            photo("heif", "image/heif"),
            photo("png", "image/png"),
            photo("gif", "image/gif"),
            photo("webp", "image/webp"),
            photo("tif", "image/tiff"),
            photo("tiff", "image/tiff"),
            photo("dng", "image/x-adobe-dng"),
            photo("avif", "image/avif"),
            video("mov", "video/quicktime"),
            video("mp4", "video/mp4"),
            video("m4v", "video/x-m4v"));

    private static Map.Entry<String, MediaFormat> photo(String ext, String type) {
        return Map.entry(ext, new MediaFormat(ext, type, "photo"));
    }

    private static Map.Entry<String, MediaFormat> video(String ext, String type) {
        return Map.entry(ext, new MediaFormat(ext, type, "video"));
    }

    /** The format of a file name by its last extension, case-insensitive; empty for anything else. */
    public static Optional<MediaFormat> forFileName(String name) {
        int dot = name.lastIndexOf('.');
        if (dot <= 0 || dot == name.length() - 1) {
            return Optional.empty();
        }
        return Optional.ofNullable(BY_EXTENSION.get(name.substring(dot + 1).toLowerCase(Locale.ROOT)));
    }

    public boolean isVideo() {
        return resourceType.equals("video");
    }
}
