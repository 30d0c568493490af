package dev.photosidecar.push;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import javax.net.ssl.SSLException;

/**
 * Says in a few words why a connection failed ("connection refused", "unknown host"), for messages such
 * as "cannot reach http://…: connection refused". Java's HTTP client wraps the real cause, often with no
 * message of its own, so the whole cause chain is looked at.
 */
public final class NetworkErrors {
    private NetworkErrors() {
    }

    public static String describe(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) {
                return "no connection within the connect timeout";
            }
            if (t instanceof HttpTimeoutException) {
                return "no answer in time";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (t instanceof NoRouteToHostException) {
                return "no route to host";
            }
            if (t instanceof SSLException) {
                return "TLS failed (" + t.getMessage() + ")";
            }
            if (t instanceof ConnectException) {
                String m = t.getMessage();
                return m == null || m.isBlank() || m.equalsIgnoreCase("Connection refused") ? "connection refused" : m;
            }
        }
        String m = error.getMessage();
        return error.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : " (" + m + ")");
    }

    /** Whether the server could not be reached at all, rather than failing in the middle of an exchange. */
    public static boolean isUnreachable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof UnresolvedAddressException
                    || t instanceof NoRouteToHostException) {
                return true;
            }
        }
        return false;
    }
}
