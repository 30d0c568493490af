package dev.photosidecar.ledger;

import dev.photosidecar.names.FileNames;
import java.util.Optional;
import java.util.regex.Pattern;

/** The rules for user ids and device names, the same for every ledger implementation. */
final class DeviceNames {
    private static final Pattern USER_ID = Pattern.compile("[\\p{L}\\p{N} ._@'+-]{1,64}");

    private DeviceNames() {
    }

    static Optional<String> nameProblem(String name) {
        int max = DeviceRegistry.MAX_NAME_LENGTH;
        if (name == null || name.isBlank() || name.length() > max) {
            return Optional.of("the device name must be 1-" + max + " characters and not only blanks");
        }
        return FileNames.characterProblem(name).map(why -> "the device name '" + FileNames.printable(name) + "' " + why
                + "; use 1-" + max + " printable characters");
    }

    static void validateUserId(String userId) {
        if (userId == null || !USER_ID.matcher(userId).matches() || userId.equals(".") || userId.equals("..")
                || userId.strip().length() != userId.length()) {
            throw new IllegalArgumentException("user must be 1-64 letters, digits, spaces or . _ @ ' + - "
                    + "(no leading or trailing space), got '" + userId + "'");
        }
    }
}
