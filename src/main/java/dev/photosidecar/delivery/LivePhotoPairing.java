package dev.photosidecar.delivery;

import dev.photosidecar.names.FileNames;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Keeps a Live Photo's photo and video under one base name: if the photo became "IMG_1 (1).HEIC", its
 * video starts at copy 1 and becomes "IMG_1 (1).MOV".
 */
final class LivePhotoPairing {
    private static final Pattern NUMBERED = Pattern.compile("(.*) \\((\\d{1,5})\\)");

    private LivePhotoPairing() {
    }

    /** The copy number to start from, given where the sibling landed and the name this file wants. */
    static int firstCopyNumber(Optional<String> siblingRemotePath, String wantedName) {
        if (siblingRemotePath.isEmpty()) {
            return 0;
        }
        String path = siblingRemotePath.get();
        String siblingBase = FileNames.baseName(path.substring(path.lastIndexOf('/') + 1));
        String base = FileNames.baseName(wantedName);
        Matcher m = NUMBERED.matcher(siblingBase);
        if (m.matches() && m.group(1).equals(base)) {
            return Integer.parseInt(m.group(2));
        }
        return 0;
    }
}
