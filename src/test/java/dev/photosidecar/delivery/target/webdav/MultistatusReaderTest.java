package dev.photosidecar.delivery.target.webdav;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.sardine.DavResource;
import com.github.sardine.model.Multistatus;
import com.github.sardine.model.Response;
import com.github.sardine.util.SardineUtil;
import dev.photosidecar.support.UnitTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The streaming reader of a PROPFIND answer reads what Sardine's JAXB read: the same size, ETag and folder flag
 * for the answers the real hosts give (their shapes as lighttpd, Apache mod_dav_fs and sabre/dav write them),
 * and a refusal for what is no valid WebDAV.
 */
@UnitTest
class MultistatusReaderTest {
    private static final String LIGHTTPD = """
            <?xml version="1.0" encoding="utf-8"?>
            <D:multistatus xmlns:D="DAV:" xmlns:ns0="urn:uuid:c2f41010-65b3-11d1-a29f-00aa00c14882/">
            <D:response>
            <D:href>http://127.0.0.1:8080/dav/alice/2024/01/IMG_0001.JPG</D:href>
            <D:propstat>
            <D:prop>
            <D:getcontentlength>1048576</D:getcontentlength><D:getetag>"3066232361"</D:getetag><D:resourcetype/>
            </D:prop>
            <D:status>HTTP/1.1 200 OK</D:status>
            </D:propstat>
            </D:response>
            </D:multistatus>
            """;
    private static final String APACHE = """
            <?xml version="1.0" encoding="utf-8"?>
            <D:multistatus xmlns:D="DAV:" xmlns:ns0="DAV:">
            <D:response xmlns:lp1="DAV:">
            <D:href>/dav/alice/2024/01/IMG%200001.JPG</D:href>
            <D:propstat>
            <D:prop>
            <lp1:resourcetype/>
            <lp1:getcontentlength>52</lp1:getcontentlength>
            <lp1:getetag>"34-62d2f1c1e5f80"</lp1:getetag>
            </D:prop>
            <D:status>HTTP/1.1 200 OK</D:status>
            </D:propstat>
            </D:response>
            </D:multistatus>
            """;
    private static final String SABRE_FOLDER = """
            <?xml version="1.0"?>
            <d:multistatus xmlns:d="DAV:" xmlns:s="http://sabredav.org/ns" xmlns:oc="http://owncloud.org/ns">
             <d:response>
              <d:href>/remote.php/dav/files/alice/Photos/</d:href>
              <d:propstat>
               <d:prop>
                <d:getetag>&quot;6571b3c2d1e5a&quot;</d:getetag>
                <d:resourcetype><d:collection/></d:resourcetype>
               </d:prop>
               <d:status>HTTP/1.1 200 OK</d:status>
              </d:propstat>
              <d:propstat>
               <d:prop>
                <d:getcontentlength/>
               </d:prop>
               <d:status>HTTP/1.1 404 Not Found</d:status>
              </d:propstat>
             </d:response>
            </d:multistatus>
            """;
    private static final String DEFAULT_NAMESPACE = """
            <multistatus xmlns="DAV:"><response><href>/a%20b.jpg</href><propstat><prop><getcontentlength>7</getcontentlength>
            <getetag>W/"x"</getetag><resourcetype><unknown xmlns="urn:other"/></resourcetype><other xmlns="urn:x">1</other>
            </prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>
            """;
    private static final String NO_SIZE_AND_A_BAD_ONE = """
            <d:multistatus xmlns:d="DAV:"><d:response><d:href>/one</d:href><d:propstat><d:prop>
            <d:getcontentlength>many</d:getcontentlength></d:prop></d:propstat></d:response>
            <d:response><d:href>/two</d:href><d:propstat><d:prop><d:getcontentlength>5</d:getcontentlength></d:prop>
            </d:propstat></d:response></d:multistatus>
            """;
    private static final String FIRST_HREF_NO_URI = """
            <d:multistatus xmlns:d="DAV:"><d:response><d:href>/a b|c</d:href><d:propstat><d:prop>
            <d:getcontentlength>1</d:getcontentlength></d:prop></d:propstat></d:response>
            <d:response><d:href>/two</d:href><d:propstat><d:prop><d:getcontentlength>2</d:getcontentlength></d:prop>
            </d:propstat></d:response></d:multistatus>
            """;
    private static final String EMPTY = "<d:multistatus xmlns:d=\"DAV:\"></d:multistatus>";

    @ParameterizedTest
    @ValueSource(strings = {LIGHTTPD, APACHE, SABRE_FOLDER, DEFAULT_NAMESPACE, NO_SIZE_AND_A_BAD_ONE, FIRST_HREF_NO_URI, EMPTY})
    void readsWhatSardinesJaxbRead(String answer) throws Exception {
        assertThat(MultistatusReader.firstResource(in(answer))).isEqualTo(bySardine(answer));
    }

    @Test
    void theHostsAnswersGiveSizeEtagAndFolder() throws Exception {
        assertThat(MultistatusReader.firstResource(in(LIGHTTPD)))
                .contains(new DavStat(1_048_576, Optional.of("\"3066232361\""), false));
        assertThat(MultistatusReader.firstResource(in(APACHE))).contains(new DavStat(52, Optional.of("\"34-62d2f1c1e5f80\""), false));
        assertThat(MultistatusReader.firstResource(in(SABRE_FOLDER))).contains(new DavStat(-1, Optional.of("\"6571b3c2d1e5a\""), true));
        assertThat(MultistatusReader.firstResource(in(NO_SIZE_AND_A_BAD_ONE))).contains(new DavStat(-1, Optional.empty(), false));
        assertThat(MultistatusReader.firstResource(in(EMPTY))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "<html><body>Welcome</body></html>",
        "<multistatus><response><href>/x</href></response></multistatus>", // not in the DAV: namespace
        "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/x</d:href>", // cut short
        "<d:multistatus xmlns:d=\"DAV:\"></d:multistatus><more/>", // something after the root
        "{\"size\": 5}",
    })
    void whatIsNoValidWebDavIsRefused(String answer) {
        assertThatThrownBy(() -> MultistatusReader.firstResource(in(answer))).isInstanceOf(MultistatusReader.NotMultistatus.class);
    }

    @Test
    void entitiesThatReadFilesAreRefused() {
        String answer = "<?xml version=\"1.0\"?><!DOCTYPE d:multistatus [<!ENTITY x SYSTEM \"file:///etc/hostname\">]>"
                + "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/x</d:href><d:propstat><d:prop>"
                + "<d:getetag>&x;</d:getetag></d:prop></d:propstat></d:response></d:multistatus>";
        assertThatThrownBy(() -> MultistatusReader.firstResource(in(answer))).isInstanceOf(MultistatusReader.NotMultistatus.class);
    }

    @Test
    void aFailureOfTheStreamItselfIsThrownAsItIs() {
        IOException bound = new HostExchange.AnswerTooLarge("the host's answer is larger than 1.0 MiB");
        InputStream failing = new InputStream() {
            private int left = 200;

            @Override
            public int read() throws IOException {
                if (left-- > 0) {
                    return left == 199 ? '<' : 'a';
                }
                throw bound;
            }
        };
        assertThatThrownBy(() -> MultistatusReader.firstResource(failing)).isSameAs(bound);
    }

    private static InputStream in(String s) {
        return new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8));
    }

    /** What WebDavClient.stat answered while it went through Sardine's list(url, 0, props). */
    private static Optional<DavStat> bySardine(String answer) throws Exception {
        Multistatus m = SardineUtil.unmarshal(in(answer));
        List<DavResource> found = new ArrayList<>();
        for (Response r : m.getResponse()) {
            try {
                found.add(new DavResource(r));
            } catch (java.net.URISyntaxException e) {
                // Sardine left these out
            }
        }
        if (found.isEmpty()) {
            return Optional.empty();
        }
        DavResource d = found.get(0);
        return Optional.of(new DavStat(d.getContentLength(), Optional.ofNullable(d.getEtag()), d.isDirectory()));
    }
}
