package dev.photosidecar.delivery.target.webdav;

import dev.photosidecar.delivery.Delivered;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.ledger.FailureCode;
import dev.photosidecar.ledger.Job;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * Checks that what is on the host is the job's bytes: the landed file's size (PROPFIND), Nextcloud's own
 * SHA-256 of what it received, and where neither settles it, the bytes read back and hashed.
 */
final class Verification {
    private Verification() {
    }

    /**
     * PROPFIND the landed file: its size must be the job's. Where the PUT returned an ETag and the host
     * reports a different one now, the bytes are read back and hashed instead of trusting either.
     */
    static Delivered verified(WebDavClient dav, String url, List<String> folders, String name, Job job, boolean already,
                              Optional<String> putEtag) throws IOException, DeliveryFailure {
        Optional<DavStat> landed = dav.stat(url);
        if (landed.isEmpty()) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.VERIFY_FAILED,
                    "VERIFY_FAILED: " + name + " is not on the host after the MOVE");
        }
        long size = landed.get().size();
        if (size != job.size()) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.VERIFY_FAILED, "VERIFY_FAILED: " + name + " has " + size
                    + " bytes on the host, the upload had " + job.size());
        }
        Optional<String> etag = landed.get().etag();
        if (putEtag.isPresent() && etag.isPresent() && !opaque(putEtag.get()).equals(opaque(etag.get()))
                && !sameContent(dav, url, job)) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.VERIFY_FAILED, "VERIFY_FAILED: " + name
                    + " on the host is not the bytes that were uploaded (ETag and SHA-256 differ)");
        }
        String path = String.join("/", folders) + (folders.isEmpty() ? "" : "/") + name;
        return new Delivered(path, etag, already);
    }

    /**
     * Nextcloud hashes what it received when asked ({@code X-Hash: sha256}): the answer must be the spool's
     * SHA-256. Where the host did not say (an assembled chunked upload on some versions), the bytes are
     * read back and hashed instead, so no upload counts without an end-to-end check.
     */
    static void checkHostHash(WebDavClient dav, String url, DavReply put, Job job) throws IOException, DeliveryFailure {
        if (put.hashSha256().isPresent()) {
            if (!put.hashSha256().get().trim().equalsIgnoreCase(job.sha256())) {
                throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.HASH_MISMATCH,
                        "HASH_MISMATCH: the host received bytes with SHA-256 "
                        + put.hashSha256().get() + ", the upload has " + job.sha256());
            }
            return;
        }
        if (!sameContent(dav, url, job)) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, FailureCode.HASH_MISMATCH,
                    "HASH_MISMATCH: the bytes on the host differ from the upload");
        }
    }

    /** Whether the file at {@code url} holds exactly the job's bytes: same size, then the same SHA-256. */
    static boolean sameContent(WebDavClient dav, String url, Job job) throws IOException {
        Optional<DavStat> there = dav.stat(url);
        if (there.isEmpty() || there.get().size() != job.size()) {
            return false;
        }
        // Never more than the job's own size is read: a host that answers with more is not holding this file.
        return dav.sha256(url, job.size()).map(job.sha256()::equals).orElse(false);
    }

    /** An ETag without its weakness marker and quotes, for comparing. */
    private static String opaque(String etag) {
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.replace("\"", "");
    }
}
