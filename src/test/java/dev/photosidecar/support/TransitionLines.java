package dev.photosidecar.support;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Captures the job transition lines ({@code job <id> <from> -> <to> ...}) logged in this JVM while it is open, from
 * any logger, so that a test can count them: a line that is missing, doubled or names the wrong state shows.
 */
public final class TransitionLines implements AutoCloseable {
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    public TransitionLines() {
        appender.setName("transition-lines-" + System.identityHashCode(this));
        appender.start();
        root.addAppender(appender);
    }

    /** Every transition line logged for {@code jobId} so far, in order, as formatted. */
    public List<String> of(String jobId) {
        synchronized (appender) {
            return List.copyOf(appender.list).stream().map(ILoggingEvent::getFormattedMessage)
                    .filter(m -> m.startsWith("job " + jobId + " ") && m.contains(" -> ")).toList();
        }
    }

    /** The lines for {@code jobId} that leave {@code from}. */
    public List<String> leaving(String jobId, String from) {
        return of(jobId).stream().filter(m -> m.startsWith("job " + jobId + " " + from + " -> ")).toList();
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
    }
}
