package dev.photosidecar.api.resumable;

import io.javalin.http.Context;
import java.util.Optional;

/**
 * The interop versions of the IETF draft "Resumable Uploads for HTTP" this server speaks. They differ in one
 * header: version 6 (iOS 18.1+) says {@code Upload-Complete: ?1} when the request carries the rest of the
 * upload, version 3 (iOS 17) says the opposite with {@code Upload-Incomplete: ?0}.
 */
enum IetfVersion {
    V3("3", "ietf-3"),
    V6("6", "ietf-6");

    static final String HEADER = "Upload-Draft-Interop-Version";

    private final String wire;
    private final String protocol;

    IetfVersion(String wire, String protocol) {
        this.wire = wire;
        this.protocol = protocol;
    }

    String wire() {
        return wire;
    }

    /** The name stored with the upload. */
    String protocol() {
        return protocol;
    }

    static Optional<IetfVersion> of(String header) {
        if (header == null) {
            return Optional.empty();
        }
        for (IetfVersion v : values()) {
            if (v.wire.equals(header.strip())) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    static Optional<IetfVersion> ofProtocol(String protocol) {
        for (IetfVersion v : values()) {
            if (v.protocol.equals(protocol)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }

    /** Whether this request completes the upload, if it says. Version 3 without the header means complete. */
    Optional<Boolean> complete(Context ctx) {
        if (this == V6) {
            return UploadHeaders.bool("Upload-Complete", ctx.header("Upload-Complete"));
        }
        return Optional.of(UploadHeaders.bool("Upload-Incomplete", ctx.header("Upload-Incomplete")).map(b -> !b).orElse(true));
    }

    String completeHeader() {
        return this == V6 ? "Upload-Complete" : "Upload-Incomplete";
    }

    String completeValue(boolean complete) {
        return (this == V6) == complete ? "?1" : "?0";
    }

    void putComplete(Context ctx, boolean complete) {
        ctx.header(completeHeader(), completeValue(complete));
    }
}
