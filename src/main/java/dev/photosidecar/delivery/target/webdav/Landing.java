package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.delivery.Delivered;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import dev.photosidecar.names.FileNames;
import java.io.IOException;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lands a file on the host without ever replacing another: up under a hidden temporary name in its final folder
 * ({@code If-None-Match: *}, or Nextcloud's chunked upload for big files), then a MOVE to its name with
 * {@code Overwrite: F}. A taken name holding the same bytes counts as delivered; any other moves on to
 * "name (1).ext", "name (2).ext", …
 */
final class Landing {
    // Its line keeps the logger name it had before the WebDAV target was split.
    private static final Logger log = LoggerFactory.getLogger(WebDavTarget.class);
    private static final int MAX_COPIES = 10_000;

    private final WebDavSettings settings;
    private final WebDavFolders folders;
    private final Refusals refusals;
    private final ChunkProgress chunkProgress;
    private final String serverRoot;
    private final Clock clock;

    Landing(WebDavSettings settings, WebDavFolders folders, Refusals refusals, ChunkProgress chunkProgress, String serverRoot,
            Clock clock) {
        this.settings = settings;
        this.folders = folders;
        this.refusals = refusals;
        this.chunkProgress = chunkProgress;
        this.serverRoot = serverRoot;
        this.clock = clock;
    }

    /**
     * What went up under a temporary name: its URL, the host's answer, and whether its bytes were already
     * checked (a temporary file of an earlier attempt, read back).
     */
    record Uploaded(String temp, DavReply put, boolean verifiedBytes) {
    }

    /** Uploads the job's file under its temporary name; a refusal is thrown as the failure it means. */
    Uploaded upload(HostAttempt a, HostFacts host) throws IOException, DeliveryFailure {
        Job job = a.job;
        String temp = DavPaths.file(a.folder, FileNames.temporaryName(job.id()));
        DavReply put;
        boolean verifiedBytes = false;
        if (host.nextcloud() && host.chunkingV2() && job.size() > Math.min(settings.chunkThreshold(), host.maxChunkBytes())) {
            a.step = "chunked upload of " + a.request.fileName();
            a.ours = temp;
            put = new ChunkedUpload(a.dav, ChunkedUpload.uploadsRoot(serverRoot, a.user), chunkProgress, clock)
                    .send(job, a.request.spoolFile(), temp, settings.chunkSize(), host.maxChunkBytes(), host.maxParallel(),
                            NextcloudHeaders.forAssembly(job), a.user);
        } else {
            Map<String, String> extras = host.nextcloud() ? NextcloudHeaders.forUpload(job) : Map.of();
            // From the moment the PUT goes out the host may hold the temporary file, even when its answer
            // never arrives (a timeout, a reset): clean it up on every failure from here on, or a job that
            // then fails for good leaves it on the host forever.
            a.ours = temp;
            put = putTemporary(a, temp, extras);
            if (put.status() == 404 || put.status() == 409) {
                // Our idea of the folders was stale: someone removed one. Forget, create again, retry once.
                folders.forget(a.folder);
                folders.ensure(a, a.request.folders());
                put = putTemporary(a, temp, extras);
            }
            if (put.status() == 412) {
                // The name is taken, and If-None-Match kept the host from replacing it. Only this job uses it
                // (no upload may be named .sidecar-*.tmp), so it is this job's own earlier PUT: a crash or a lost
                // answer after it landed. If it holds the job's bytes it is used as it is; anything else there
                // (an upload the host cut short, or a file that is not ours) is left alone, and this attempt
                // uploads under a name of its own.
                a.ours = null;
                if (Verification.sameContent(a.dav, temp, job)) {
                    a.ours = temp;
                    verifiedBytes = true;
                    put = new DavReply(201, "reused", Optional.empty(), Optional.empty(), Optional.empty(),
                            Optional.empty(), false);
                } else {
                    log.warn("Job {}: {} already exists on the host with other bytes; left alone, uploading under "
                            + "another name", job.id(), FileNames.temporaryName(job.id()));
                    temp = DavPaths.file(a.folder, FileNames.temporaryName(job.id() + "-"
                            + UUID.randomUUID().toString().substring(0, 8)));
                    a.ours = temp;
                    put = putTemporary(a, temp, extras);
                }
            }
        }
        if (!put.isSuccess()) {
            throw refusals.of(put, a, temp, a.step);
        }
        return new Uploaded(temp, put, verifiedBytes);
    }

    /**
     * Gives the uploaded file its name: MOVE with {@code Overwrite: F} to the wanted name, or the next free
     * copy number, then verify what landed.
     */
    Delivered name(HostAttempt a, Uploaded up) throws IOException, DeliveryFailure {
        Job job = a.job;
        String fileName = a.request.fileName();
        for (int n = a.request.firstCopyNumber(); n < MAX_COPIES; n++) {
            String name = FileNames.numbered(fileName, n);
            String target = DavPaths.file(a.folder, name);
            a.step = "MOVE to " + name;
            DavReply move = a.dav.moveNoOverwrite(up.temp(), target);
            if (move.isSuccess()) {
                a.ours = null;
                Delivered d = Verification.verified(a.dav, target, a.request.folders(), name, job, false, up.put().etag());
                return new Delivered(d.remotePath(), d.etag(), up.put().fileId().or(d::fileId), d.alreadyPresent());
            }
            if (move.status() == 412) {
                if (Verification.sameContent(a.dav, target, job)) {
                    return Verification.verified(a.dav, target, a.request.folders(), name, job, true, Optional.empty());
                }
                continue;
            }
            throw refusals.of(move, a, target, a.step);
        }
        throw new DeliveryFailure(FailureKind.PERMANENT, FailureCode.TOO_MANY_COPIES,
                "more than " + MAX_COPIES + " different files are named " + fileName);
    }

    /** The upload to the hidden name, which must not replace a file already there ({@code If-None-Match: *}). */
    private static DavReply putTemporary(HostAttempt a, String temp, Map<String, String> extras) throws IOException {
        Map<String, String> headers = new HashMap<>(extras);
        // lighttpd, Apache mod_dav_fs, sabre/dav (and so Nextcloud) all answer 412 when the name exists.
        headers.put("If-None-Match", "*");
        return a.dav.putFile(temp, a.request.spoolFile(), a.job.contentType(), headers);
    }
}
