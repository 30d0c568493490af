package dev.photosidecar.config;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.spi.ContextAwareBase;
import ch.qos.logback.core.status.NopStatusListener;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The sidecar's logging, set up in code: logback finds this class as a service and calls it once, at the first
 * logger. Reading the same settings from logback.xml cost about 40 ms more CPU at every start (an XML parser and
 * logback's configuration model; docs/performance.md, start-up).
 *
 * <ul>
 *   <li>One line per event on stderr, which containers and systemd collect; {@code SIDECAR_LOG_FORMAT=json} switches
 *       to JSON lines (with the job/user/device fields of job transitions as key/value pairs);
 *       {@code SIDECAR_LOG_LEVEL} sets the level (INFO by default). ConfigLoader refuses other values at start.</li>
 *   <li>An operator's own configuration still wins: with {@code -Dlogback.configurationFile=...} (or a
 *       logback-test.xml on the class path) this class steps aside and logback reads that file as usual.</li>
 * </ul>
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogSetup extends ContextAwareBase implements Configurator {
    static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{0} - %msg%n";

    /** Loggers quieter (or, for HttpClient's, never louder) than the root. */
    static final Map<String, Level> LEVELS = Map.of(
            "org.eclipse.jetty", Level.WARN,
            "io.javalin", Level.WARN,
            "org.flywaydb", Level.WARN,
            "com.zaxxer.hikari", Level.WARN,
            // Never, at any level: HttpClient logs request headers (Authorization) and bodies under these.
            "org.apache.http.wire", Level.WARN,
            "org.apache.http.headers", Level.WARN,
            "org.apache.http", Level.INFO,
            "com.github.sardine", Level.INFO);

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        if (System.getProperty("logback.configurationFile") != null
                || LogSetup.class.getClassLoader().getResource("logback-test.xml") != null) {
            return ExecutionStatus.NEUTRAL;
        }
        // Logback's own status goes nowhere: on stdout it would break the output of the CLI's json option.
        NopStatusListener quiet = new NopStatusListener();
        context.getStatusManager().add(quiet);
        Map<String, String> env = System.getenv();
        boolean json = "json".equals(env.get("SIDECAR_LOG_FORMAT"));

        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName(json ? "json" : "text");
        stderr.setTarget("System.err");
        stderr.setEncoder(json ? jsonEncoder(context) : textEncoder(context));
        stderr.start();

        ch.qos.logback.classic.Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(env.getOrDefault("SIDECAR_LOG_LEVEL", "INFO"), Level.INFO));
        root.addAppender(stderr);
        LEVELS.forEach((name, level) -> context.getLogger(name).setLevel(level));
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }

    private static Encoder<ILoggingEvent> textEncoder(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        return encoder;
    }

    private static Encoder<ILoggingEvent> jsonEncoder(LoggerContext context) {
        JsonEncoder encoder = new JsonEncoder();
        encoder.setContext(context);
        encoder.setWithSequenceNumber(false);
        encoder.setWithNanoseconds(false);
        encoder.setWithContext(false);
        encoder.setWithArguments(false);
        encoder.setWithFormattedMessage(true);
        encoder.setWithMessage(false);
        encoder.start();
        return encoder;
    }
}
