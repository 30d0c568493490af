package dev.photosidecar.ledger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per job transition, always with the job id, user and device, so that one grep (or one
 * JSON filter, with {@code SIDECAR_LOG_FORMAT=json}) follows an upload from intake to acknowledgement.
 * The fields also travel as key/value pairs for the JSON encoder. Never a token or a password.
 */
public final class JobLog {
    private static final Logger log = LoggerFactory.getLogger("dev.photosidecar.ledger");

    private JobLog() {
    }

    public static void transition(Job job, String from, String to, String detail) {
        log.atInfo()
                .addKeyValue("job", job.id())
                .addKeyValue("user", job.userId())
                .addKeyValue("device", job.deviceId())
                .addKeyValue("from", from)
                .addKeyValue("to", to)
                .log("job {} {} -> {} (user {}, device {}){}", job.id(), from, to, job.userId(), job.deviceId(),
                        detail == null || detail.isEmpty() ? "" : ": " + detail);
    }

    public static void transition(Job job, JobState from, JobState to, String detail) {
        transition(job, from.wire(), to.wire(), detail);
    }
}
