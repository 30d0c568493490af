package dev.photosidecar.delivery.target.webdav;

import com.github.sardine.impl.SardineException;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.delivery.Delivered;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.DeliveryRequest;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Job;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Delivers to a WebDAV host (Nextcloud included) through Sardine, in steps each done by its own part: the
 * user's client ({@link WebDavClients}), the folders ({@link WebDavFolders}), the upload under a hidden
 * temporary name and the no-overwrite MOVE to its name ({@link Landing}), and the checks that the host holds
 * the job's bytes ({@link Verification}). This class runs them in order within the attempt's deadline, turns
 * what goes wrong into a {@link DeliveryFailure}, and removes the temporary file of a failed attempt.
 *
 * <p>Credentials and chunked-upload progress come through {@link CredentialStore} and {@link ChunkProgress}.
 */
public final class WebDavTarget implements DeliveryTarget, AutoCloseable {
    private final WebDavSettings settings;
    private final ChunkProgress chunkProgress;
    private final Clock clock;
    private final String serverRoot;
    private final WebDavClients clients;
    private final HostDetector detector;
    private final Refusals refusals;
    private final WebDavFolders folders;
    private final Landing landing;
    private final HealthProbe probe;

    public WebDavTarget(WebDavSettings settings, CredentialStore credentials, ChunkProgress chunkProgress, int workers,
                        Clock clock) {
        this(settings, credentials, chunkProgress, workers, clock, Optional::empty);
    }

    /**
     * While {@code exApp} supplies an identity, the sidecar acts for each user through AppAPI and needs no user
     * password. It is asked for each delivery: a registration taken up while running applies at once.
     */
    public WebDavTarget(WebDavSettings settings, CredentialStore credentials, ChunkProgress chunkProgress, int workers,
                        Clock clock, Supplier<Optional<ExAppIdentity>> exApp) {
        this.settings = settings;
        this.chunkProgress = chunkProgress;
        this.clock = clock;
        this.serverRoot = HostDetector.serverRootOf(settings.baseUrl());
        this.clients = new WebDavClients(settings, credentials, workers, exApp);
        this.detector = new HostDetector(serverRoot, clients::forProbe, settings.deadline(), clock);
        this.refusals = new Refusals(detector, clock);
        this.folders = new WebDavFolders(refusals);
        this.landing = new Landing(settings, folders, refusals, chunkProgress, serverRoot, clock);
        this.probe = new HealthProbe(settings, clients.origin());
    }

    /** What the host is (Nextcloud or generic WebDAV) and what it supports; cached, refreshed now and then. */
    public HostFacts hostFacts() {
        return detector.facts();
    }

    @Override
    public String name() {
        return "webdav";
    }

    /**
     * Delivers within one {@link Deadline} for the whole attempt: {@code webdav_deadline} plus the file's length
     * at {@code webdav_min_rate}. Every request of the attempt shares it, so a host that trickles its answers
     * holds a worker no longer than that, however many requests it stretches.
     */
    @Override
    public Delivered deliver(DeliveryRequest request) throws DeliveryFailure {
        HostFacts host = detector.facts(); // cached; when it asks the host, it does so under a deadline of its own
        return Deadline.forTransfer(settings.deadline(), request.job().size(), settings.minRate())
                .within(() -> deliverWithinDeadline(request, host));
    }

    private Delivered deliverWithinDeadline(DeliveryRequest request, HostFacts host) throws DeliveryFailure {
        HostAttempt a = new HostAttempt(request, clients.forUser(request.job().userId()), settings.baseUrl());
        try {
            folders.ensure(a, request.folders());
            Landing.Uploaded up = landing.upload(a, host);
            if (host.nextcloud() && !up.verifiedBytes()) {
                Verification.checkHostHash(a.dav, up.temp(), up.put(), a.job);
            }
            return landing.name(a, up);
        } catch (SardineException e) {
            if (e.getStatusCode() < 300) {
                // An answer that is no valid WebDAV (a 207 that does not parse), not a refusal.
                throw WebDavFailures.forException(e, a.step, this::hostAnswers);
            }
            // A PROPFIND or read-back the host refused: judged like any other answer.
            try {
                throw refusals.judge(e.getStatusCode(), e.getResponsePhrase(), Optional.empty(), false, a, null, a.step);
            } catch (IOException probe) {
                throw WebDavFailures.forException(probe, a.step, this::hostAnswers);
            }
        } catch (IOException e) {
            throw WebDavFailures.forException(e, a.step, this::hostAnswers);
        } finally {
            if (a.ours != null) {
                removeQuietly(a.dav, a.ours);
            }
        }
    }

    /**
     * The clean-up after a failed attempt gets a deadline of its own (the attempt's may be what ran out), as
     * short as one quiet stretch of the host may be.
     */
    private void removeQuietly(WebDavClient dav, String url) {
        Duration limit = settings.socketTimeout().compareTo(settings.deadline()) < 0 ? settings.socketTimeout() : settings.deadline();
        Deadline.after(limit, Deadline.format(limit) + " (the clean-up's share, SIDECAR_WEBDAV_TIMEOUT)").within(() -> {
            dav.deleteQuietly(url);
            return null;
        });
    }

    /** A job withdrawn before delivery: its chunked upload folder on the host, if any, is removed. */
    @Override
    public void discard(Job job) {
        if (chunkProgress.find(job.id()).isEmpty()) {
            return;
        }
        try {
            new ChunkedUpload(clients.forUser(job.userId()), ChunkedUpload.uploadsRoot(serverRoot, job.userId()), chunkProgress,
                    clock).discard(job);
        } catch (DeliveryFailure e) {
            chunkProgress.forget(job.id());
        }
    }

    /** Any HTTP answer from the host's root proves it is up; only silence or a 503 means it is not. */
    private boolean hostAnswers() {
        return health().ok();
    }

    /** {@link HealthProbe}: quick, and on connections of its own. */
    @Override
    public Health health() {
        return probe.check();
    }

    @Override
    public void close() {
        clients.close();
        probe.close();
    }

    @Override
    public String toString() {
        return "WebDavTarget[" + settings.baseUrl() + "]";
    }
}
