package dev.photosidecar.push;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code push --acknowledge}: marks delivered and failed jobs as seen, 1000 ids per call (the server's
 * limit). The call is all-or-nothing, so when the server names ids it will not take (acknowledged
 * meanwhile by someone else: 409; gone: 404), those are left out and the rest is sent again.
 */
final class Acknowledger {
    static final int BATCH = 1000;
    private static final int ATTEMPTS_PER_BATCH = 3;

    private final SidecarClient client;

    Acknowledger(SidecarClient client) {
        this.client = client;
    }

    Acknowledged acknowledge(List<String> ids) {
        int done = 0;
        List<String> problems = new ArrayList<>();
        for (int from = 0; from < ids.size(); from += BATCH) {
            List<String> batch = new ArrayList<>(ids.subList(from, Math.min(ids.size(), from + BATCH)));
            for (int attempt = 0; attempt < ATTEMPTS_PER_BATCH && !batch.isEmpty(); attempt++) {
                SidecarClient.Answer a;
                try {
                    a = client.postJson("/v1/jobs/acknowledge", Map.of("ids", batch));
                } catch (IOException e) {
                    problems.add("cannot acknowledge " + batch.size() + " job(s): " + NetworkErrors.describe(e));
                    break;
                }
                if (a.status() == 200) {
                    done += a.json().path("jobs").size();
                    batch.clear();
                    break;
                }
                Set<String> refused = new HashSet<>();
                for (JsonNode id : a.json().path("error").path("details").path("ids")) {
                    refused.add(id.asText());
                }
                if ((a.status() == 404 || a.status() == 409) && !refused.isEmpty()) {
                    problems.add(refused.size() + " job(s) not acknowledged: " + a.problem());
                    batch.removeAll(refused);
                    continue;
                }
                problems.add("cannot acknowledge " + batch.size() + " job(s): " + a.problem());
                break;
            }
        }
        return new Acknowledged(done, List.copyOf(problems));
    }
}
