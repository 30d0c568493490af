package dev.photosidecar.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.photosidecar.http.ErrorCode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error pages (a malformed request line, headers too large, an ambiguous path) in the API's
 * JSON shape, so that no client ever sees HTML or a stack trace.
 */
public final class JettyJsonErrors extends ErrorHandler {
    private final ObjectMapper mapper;

    public JettyJsonErrors(ObjectMapper mapper) {
        this.mapper = mapper;
        setShowStacks(false);
        setShowCauses(false);
    }

    /**
     * Jetty writes error bodies only for GET, POST and HEAD; a PUT upload refused by Jetty itself (headers
     * too large, a malformed header) would get an empty 4xx. Every method gets the JSON error here.
     */
    @Override
    public boolean errorPageForMethod(String method) {
        return true;
    }

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        ErrorCode error = ErrorResponses.forStatus(code);
        String text = message == null || message.isBlank() ? "the request was refused (HTTP " + code + ")"
                : "the request was refused (HTTP " + code + "): " + message;
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(ErrorResponses.ERROR_CODE_HEADER, error.name());
        // Jetty closes the connection after refusing a request at this level (a URI it will not route, say)
        // but did not say so: a client reusing the connection then found it dead instead of reconnecting.
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        response.write(true, ByteBuffer.wrap(ErrorResponses.json(mapper, error, text).getBytes(StandardCharsets.UTF_8)),
                callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(HttpHeader.CONTENT_TYPE, "application/json");
        fields.put(HttpHeader.CONNECTION, "close");
        fields.put(ErrorResponses.ERROR_CODE_HEADER, ErrorResponses.forStatus(status).name());
        String text = "the request is malformed (HTTP " + status + ")" + (reason == null ? "" : ": " + reason);
        return ByteBuffer.wrap(ErrorResponses.json(mapper, ErrorResponses.forStatus(status), text)
                .getBytes(StandardCharsets.UTF_8));
    }
}
