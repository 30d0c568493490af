package dev.photosidecar.ledger;

import java.util.Collection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per job transition, always with the job id, user and device, so that one grep (or one
 * JSON filter, with {@code SIDECAR_LOG_FORMAT=json}) follows an upload from intake to acknowledgement.
 * The fields also travel as key/value pairs for the JSON encoder. Never a token or a password.
 *
 * <p>Only the ledger writes these lines, and only for a row it changed: a statement that lost a race (a worker
 * whose lease ran out, a cancel that came too late) changed nothing and says nothing.
 */
public final class JobLog {
    private static final Logger log = LoggerFactory.getLogger("dev.photosidecar.ledger");

    private JobLog() {
    }

    /** Logs {@code t} as one line. */
    public static void log(Transition t) {
        Job job = t.job();
        String from = t.fromWire();
        String to = t.toWire();
        String detail = t.reason();
        log.atInfo()
                .addKeyValue("job", job.id())
                .addKeyValue("user", job.userId())
                .addKeyValue("device", job.deviceId())
                .addKeyValue("from", from)
                .addKeyValue("to", to)
                .log("job {} {} -> {} (user {}, device {}){}", job.id(), from, to, job.userId(), job.deviceId(),
                        detail == null || detail.isEmpty() ? "" : ": " + detail);
    }

    /** Logs each of {@code transitions}, in order. */
    public static void logAll(Collection<Transition> transitions) {
        transitions.forEach(JobLog::log);
    }
}
