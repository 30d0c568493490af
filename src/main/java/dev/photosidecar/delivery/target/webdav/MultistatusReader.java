package dev.photosidecar.delivery.target.webdav;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * Reads a PROPFIND answer ({@code 207 Multi-Status}) for the three properties {@link WebDavClient#stat} asks
 * for, with a streaming parser. Sardine's JAXB unmarshalling did the same job with a new unmarshaller and a SAX
 * reader looked up through the service loader for every answer, the largest CPU cost of a delivery's
 * verification (docs/performance.md, issue 17).
 *
 * <p>It reads as Sardine did, so that what a verification accepts does not change: the whole document must be
 * well-formed XML with a {@code DAV: multistatus} root (else the answer is no valid WebDAV); the first
 * {@code response} whose {@code href} is a URI is the resource; a property counts from whichever
 * {@code propstat} carries a value for it; a size that is not a number is no size ({@code -1}). Two
 * differences: a DTD is refused (Sardine allowed one without external entities), and whitespace around a size
 * or an {@code href} is ignored (Sardine took such a size for none and left such a resource out).
 */
final class MultistatusReader {
    private static final String DAV = "DAV:";
    private static final XMLInputFactory XML = factory();

    private MultistatusReader() {
    }

    /** The not-valid-WebDAV failure: the caller turns it into the exception the status calls for. */
    static final class NotMultistatus extends IOException {
        private static final long serialVersionUID = 1L;

        NotMultistatus(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * The first resource of the answer, or empty when it lists none. Reads {@code in} to its end. An
     * {@link IOException} of the stream itself (a bound, a deadline) is thrown as it is.
     */
    static Optional<DavStat> firstResource(InputStream in) throws IOException {
        try {
            XMLStreamReader r = XML.createXMLStreamReader(in);
            try {
                return read(r);
            } finally {
                r.close();
            }
        } catch (XMLStreamException e) {
            IOException fromStream = streamFailure(e);
            if (fromStream != null) {
                throw fromStream;
            }
            throw new NotMultistatus("Not a valid DAV response: " + e.getMessage(), e);
        }
    }

    private static Optional<DavStat> read(XMLStreamReader r) throws XMLStreamException, NotMultistatus {
        r.nextTag();
        if (!isDav(r, "multistatus")) {
            throw new NotMultistatus("Not a valid DAV response: the root element is " + r.getName(), null);
        }
        DavStat first = null;
        while (r.nextTag() == XMLStreamConstants.START_ELEMENT) {
            if (isDav(r, "response")) {
                DavStat one = response(r);
                if (first == null) {
                    first = one;
                }
            } else {
                skip(r);
            }
        }
        // Everything after the root too: a document cut short or followed by garbage is no valid answer.
        while (r.hasNext()) {
            r.next();
        }
        return Optional.ofNullable(first);
    }

    /** One {@code response}, read to its end tag; null when its href is no URI (Sardine left those out). */
    private static DavStat response(XMLStreamReader r) throws XMLStreamException {
        String href = null;
        String size = null;
        String etag = null;
        boolean folder = false;
        while (r.nextTag() == XMLStreamConstants.START_ELEMENT) {
            if (isDav(r, "href") && href == null) {
                href = r.getElementText();
            } else if (isDav(r, "propstat")) {
                while (r.nextTag() == XMLStreamConstants.START_ELEMENT) {
                    if (!isDav(r, "prop")) {
                        skip(r);
                        continue;
                    }
                    while (r.nextTag() == XMLStreamConstants.START_ELEMENT) {
                        if (isDav(r, "getcontentlength")) {
                            String v = textOf(r);
                            if (size == null && !v.isEmpty()) {
                                size = v;
                            }
                        } else if (isDav(r, "getetag")) {
                            String v = textOf(r);
                            if (etag == null && !v.isEmpty()) {
                                etag = v;
                            }
                        } else if (isDav(r, "resourcetype")) {
                            folder |= hasCollection(r);
                        } else {
                            skip(r);
                        }
                    }
                }
            } else {
                skip(r);
            }
        }
        if (href == null || !isUri(href)) {
            return null;
        }
        return new DavStat(parseSize(size), Optional.ofNullable(etag), folder);
    }

    /** The text of a property element (its child elements, if any, skipped), at its end tag afterwards. */
    private static String textOf(XMLStreamReader r) throws XMLStreamException {
        StringBuilder text = new StringBuilder();
        int depth = 1;
        while (depth > 0) {
            int event = r.next();
            if (event == XMLStreamConstants.START_ELEMENT) {
                depth++;
            } else if (event == XMLStreamConstants.END_ELEMENT) {
                depth--;
            } else if (depth == 1 && (event == XMLStreamConstants.CHARACTERS || event == XMLStreamConstants.CDATA
                    || event == XMLStreamConstants.SPACE)) {
                text.append(r.getText());
            }
        }
        return text.toString();
    }

    /** Whether a {@code resourcetype} holds {@code DAV: collection}; at its end tag afterwards. */
    private static boolean hasCollection(XMLStreamReader r) throws XMLStreamException {
        boolean collection = false;
        while (r.nextTag() == XMLStreamConstants.START_ELEMENT) {
            collection |= isDav(r, "collection");
            skip(r);
        }
        return collection;
    }

    /** Skips the element the reader is at, children included; at its end tag afterwards. */
    private static void skip(XMLStreamReader r) throws XMLStreamException {
        textOf(r);
    }

    private static boolean isDav(XMLStreamReader r, String local) {
        return local.equals(r.getLocalName()) && DAV.equals(r.getNamespaceURI());
    }

    private static long parseSize(String size) {
        if (size == null) {
            return -1;
        }
        try {
            return Long.parseLong(size.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static boolean isUri(String href) {
        try {
            new URI(href.strip());
            return true;
        } catch (URISyntaxException e) {
            return false;
        }
    }

    /** The stream's own failure inside a parser's exception (a bound or a deadline that stopped the reading), if any. */
    private static IOException streamFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io) {
                return io;
            }
            if (t instanceof XMLStreamException x && x.getNestedException() instanceof IOException io) {
                return io;
            }
        }
        return null;
    }

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newDefaultFactory();
        // A host's answer is not trusted: no DTD, no entity that reads a file or another URL.
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_COALESCING, true);
        return f;
    }
}
