package dev.photosidecar.http.resumable;

import io.javalin.http.Context;
import java.util.Optional;

/**
 * The interop versions of the IETF draft "Resumable Uploads for HTTP" this server speaks, and what differs
 * between them (docs/resumable.md has the table). Version 3 (draft -01, iOS 17) says "more will follow" with
 * {@code Upload-Incomplete: ?1}; versions 4 to 8 (drafts -02 to -11; iOS 18.0 sends 5, iOS 18.1+ 6, iOS 26.2+ 8)
 * say the opposite with {@code Upload-Complete}, and add limits, media types and problem types as they go.
 */
enum IetfVersion {
    V3(3),
    V4(4),
    V5(5),
    V6(6),
    V7(7),
    V8(8);

    static final String HEADER = "Upload-Draft-Interop-Version";
    /** How the ledger names an IETF upload's protocol: {@code ietf-} and the interop version. */
    private static final String PROTOCOL_PREFIX = "ietf-";

    private final int number;

    IetfVersion(int number) {
        this.number = number;
    }

    String wire() {
        return String.valueOf(number);
    }

    /**
     * The name stored with the upload: {@code ietf-} and the version, the fallback for a later request that does
     * not name its own (every request normally does).
     */
    String protocol() {
        return PROTOCOL_PREFIX + wire();
    }


    /** The version a request names, if this server speaks it. */
    static Optional<IetfVersion> of(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (IetfVersion v : values()) {
            if (v.wire().equals(header.strip())) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /**
     * The version a stored upload was created with. Uploads stored before the ledger's V5 migration say
     * {@code ietf-6} for every version from 4 to 8; they read as version 6, as they always did.
     */
    static Optional<IetfVersion> ofProtocol(String protocol) {
        return protocol != null && protocol.startsWith(PROTOCOL_PREFIX)
                ? of(protocol.substring(PROTOCOL_PREFIX.length())) : Optional.empty();
    }

    boolean atLeast(IetfVersion other) {
        return compareTo(other) >= 0;
    }

    /** Whether this request completes the upload, if it says. Version 3 without the header means complete. */
    Optional<Boolean> complete(Context ctx) {
        if (this != V3) {
            return UploadHeaders.bool("Upload-Complete", ctx.header("Upload-Complete"));
        }
        return Optional.of(UploadHeaders.bool("Upload-Incomplete", ctx.header("Upload-Incomplete")).map(b -> !b).orElse(true));
    }

    /** Whether a request of this version asks for a resumable upload: version 3 always, later ones with Upload-Complete. */
    boolean asksForResumption(Context ctx) {
        return this == V3 || ctx.header("Upload-Complete") != null;
    }

    String completeHeader() {
        return this == V3 ? "Upload-Incomplete" : "Upload-Complete";
    }

    String completeValue(boolean complete) {
        return (this != V3) == complete ? "?1" : "?0";
    }

    void putComplete(Context ctx, boolean complete) {
        ctx.header(completeHeader(), completeValue(complete));
    }

    /** {@code Upload-Limit} exists from version 6 (draft -04). */
    boolean hasLimits() {
        return atLeast(V6);
    }

    /** The upload's remaining lifetime in {@code Upload-Limit}: {@code expires} in version 6, {@code max-age} from 7. */
    Optional<String> lifetimeKey() {
        if (this == V6) {
            return Optional.of("expires");
        }
        return atLeast(V7) ? Optional.of("max-age") : Optional.empty();
    }

    /** Appends are {@code application/partial-upload} from version 6. */
    boolean wantsPartialUploadType() {
        return atLeast(V6);
    }

    /** From version 7 every answer to an append says whether the upload is complete, errors included. */
    boolean completeOnEveryAppendAnswer() {
        return atLeast(V7);
    }

    /** From version 6 an append to a completed upload is refused as such (400, "completed-upload"). */
    boolean refusesAppendToCompletedUpload() {
        return atLeast(V6);
    }

    /** From version 8 an OPTIONS answer spells out the lower bound ({@code min-size=0}) next to the upper one. */
    boolean announcesMinSize() {
        return atLeast(V8);
    }

    static String spoken() {
        StringBuilder s = new StringBuilder();
        for (IetfVersion v : values()) {
            s.append(s.isEmpty() ? "" : ", ").append(v.wire());
        }
        return s.toString();
    }
}
