package dev.photosidecar.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.http.ErrorCode;
import dev.photosidecar.http.Problem;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the small JSON bodies of the bulk calls, defensively: a size cap, a nesting cap, and a shape
 * check that names the field that is wrong.
 */
final class JsonBodies {
    static final int MAX_BODY_BYTES = 1024 * 1024;
    static final int MAX_ITEMS = 1000;
    /** Larger bodies than this are not read to the end; the connection is closed on them instead. */
    static final long DRAIN_LIMIT = 16L * 1024 * 1024;

    // Duplicate names are refused: {"ids":["a"],"ids":["b"]} means different things to different parsers.
    private static final ObjectMapper STRICT = new ObjectMapper(JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(16)
                    .maxStringLength(64 * 1024)
                    .maxNumberLength(100)
                    .build())
            .build());

    private JsonBodies() {
    }

    /** The array of strings in field {@code field} of a JSON object body, at most {@link #MAX_ITEMS} of them. */
    static List<String> stringList(Context ctx, String field) {
        JsonNode root = read(ctx);
        JsonNode array = root.isObject() ? root.get(field) : null;
        if (array == null || !array.isArray()) {
            throw new Problem(ErrorCode.INVALID_JSON, "the body must be a JSON object like {\"" + field + "\":[…]}");
        }
        if (array.size() > MAX_ITEMS) {
            throw new Problem(ErrorCode.TOO_MANY_ITEMS, "'" + field + "' has " + array.size() + " items; at most "
                    + MAX_ITEMS + " are allowed per call");
        }
        List<String> out = new ArrayList<>(array.size());
        for (JsonNode item : array) {
            if (!item.isTextual()) {
                throw new Problem(ErrorCode.INVALID_JSON, "every item of '" + field + "' must be a string");
            }
            out.add(item.asText());
        }
        return out;
    }

    /** A string field of a JSON object body; an empty body counts as {} when the field is optional. */
    static java.util.Optional<String> stringField(Context ctx, String field, boolean required) {
        JsonNode root;
        if (!required && ctx.req().getContentLengthLong() == 0) {
            return java.util.Optional.empty();
        }
        root = read(ctx);
        JsonNode value = root.isObject() ? root.get(field) : null;
        if (value == null || value.isNull()) {
            if (required) {
                throw new Problem(ErrorCode.INVALID_JSON, "the body must be a JSON object like {\"" + field + "\":\"…\"}");
            }
            return java.util.Optional.empty();
        }
        if (!value.isTextual()) {
            throw new Problem(ErrorCode.INVALID_JSON, "'" + field + "' must be a string");
        }
        return java.util.Optional.of(value.asText());
    }

    private static JsonNode read(Context ctx) {
        byte[] body;
        try (InputStream in = ctx.req().getInputStream()) {
            body = in.readNBytes(MAX_BODY_BYTES + 1);
            if (body.length > MAX_BODY_BYTES) {
                // Read (a bounded amount of) the rest, so that the client is still listening for the 413.
                in.skipNBytes(Math.min(Math.max(0, ctx.req().getContentLengthLong() - body.length), DRAIN_LIMIT));
                throw tooLarge();
            }
        } catch (IOException e) {
            throw new Problem(ErrorCode.BAD_REQUEST, "the request body could not be read");
        }
        try {
            JsonNode node = STRICT.readTree(body);
            if (node == null || node.isMissingNode()) {
                throw new Problem(ErrorCode.INVALID_JSON, "the body is empty; send a JSON object");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new Problem(ErrorCode.INVALID_JSON, "the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new Problem(ErrorCode.INVALID_JSON, "the body is not valid JSON");
        }
    }

    private static Problem tooLarge() {
        return new Problem(ErrorCode.REQUEST_TOO_LARGE, "the JSON body is larger than " + MAX_BODY_BYTES + " bytes");
    }
}
