package dev.photosidecar.delivery.target.webdav;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.sardine.DavResource;
import com.github.sardine.impl.SardineException;
import dev.photosidecar.config.ExAppIdentity;
import dev.photosidecar.config.WebDavSettings;
import dev.photosidecar.delivery.Delivered;
import dev.photosidecar.delivery.DeliveryFailure;
import dev.photosidecar.delivery.DeliveryRequest;
import dev.photosidecar.delivery.DeliveryTarget;
import dev.photosidecar.delivery.FailureKind;
import dev.photosidecar.delivery.FileNames;
import dev.photosidecar.ledger.ChunkProgress;
import dev.photosidecar.ledger.CredentialStore;
import dev.photosidecar.ledger.Credentials;
import dev.photosidecar.ledger.Job;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.client.HttpClientBuilder;
import org.apache.http.impl.conn.PoolingHttpClientConnectionManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers to a WebDAV host through Sardine. Each file goes up under a hidden temporary name in its
 * final folder, then MOVEs to its name with {@code Overwrite: F}, so a different file is never replaced:
 * a taken name holding the same bytes counts as delivered, any other moves on to "name (1).ext". The
 * result is verified with PROPFIND before it counts.
 *
 * <p>Folders are created one level at a time and remembered; the host saying a parent is missing (409)
 * makes us forget and create again.
 */
public final class WebDavTarget implements DeliveryTarget, AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WebDavTarget.class);
    private static final int MAX_COPIES = 10_000;

    private final WebDavSettings settings;
    private final CredentialStore credentials;
    private final Clock clock;
    private final PoolingHttpClientConnectionManager pool;
    private final RequestConfig requests;
    private final HostOrigin origin;
    private final HealthProbe probe;
    private final Cache<String, Boolean> knownFolders = Caffeine.newBuilder()
            .maximumSize(20_000).expireAfterWrite(Duration.ofHours(1)).build();
    private final Cache<Credentials, WebDavClient> clients = Caffeine.newBuilder().maximumSize(1_000).build();
    private final Optional<Credentials> sharedAccount;
    private final ChunkProgress chunkProgress;
    private final HostDetector detector;
    private final String serverRoot;

    private final java.util.function.Supplier<Optional<ExAppIdentity>> exApp;

    public WebDavTarget(WebDavSettings settings, CredentialStore credentials, ChunkProgress chunkProgress, int workers,
                        Clock clock) {
        this(settings, credentials, chunkProgress, workers, clock, Optional::empty);
    }

    /**
     * While {@code exApp} supplies an identity, the sidecar acts for each user through AppAPI and needs no user
     * password. It is asked for each delivery: a registration taken up while running applies at once.
     */
    public WebDavTarget(WebDavSettings settings, CredentialStore credentials, ChunkProgress chunkProgress, int workers,
                        Clock clock, java.util.function.Supplier<Optional<ExAppIdentity>> exApp) {
        this.exApp = exApp;
        this.settings = settings;
        this.credentials = credentials;
        this.chunkProgress = chunkProgress;
        this.clock = clock;
        this.serverRoot = HostDetector.serverRootOf(settings.baseUrl());
        this.pool = new PoolingHttpClientConnectionManager();
        // Every worker talks to the host at once, and a probe or PROPFIND may run beside them.
        pool.setMaxTotal(workers * 2 + 2);
        pool.setDefaultMaxPerRoute(workers * 2 + 2);
        // Connections idle for a second are checked before reuse: after a host restart they are all dead.
        pool.setValidateAfterInactivity(1000);
        this.requests = RequestConfig.custom()
                .setConnectTimeout((int) settings.connectTimeout().toMillis())
                .setSocketTimeout((int) settings.socketTimeout().toMillis())
                .setConnectionRequestTimeout((int) settings.socketTimeout().toMillis())
                .setExpectContinueEnabled(false)
                .build();
        this.sharedAccount = settings.user().map(u -> new Credentials(u, settings.password().orElse("")));
        this.origin = HostOrigin.of(settings.baseUrl());
        this.detector = new HostDetector(serverRoot, this::probeClient, settings.deadline(), clock);
        this.probe = new HealthProbe(settings, origin);
    }

    /** What the host is (Nextcloud or generic WebDAV) and what it supports; cached, refreshed now and then. */
    public HostFacts hostFacts() {
        return detector.facts();
    }

    private WebDavClient probeClient() {
        Optional<ExAppIdentity> id = exApp.get();
        if (id.isPresent()) {
            return clients.get(new Credentials("exapp:", id.get().secret()), k -> appApiClient(id.get(), ""));
        }
        Credentials key = sharedAccount.orElse(new Credentials("", ""));
        return clients.get(key, k -> client(builder(), sharedAccount, rootUrl("_")));
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
        Job job = request.job();
        String user = job.userId();
        WebDavClient dav = clientFor(user);
        String root = DavPaths.userRoot(settings.baseUrl(), user);
        String folder = DavPaths.folder(root, request.folders());
        String temp = DavPaths.file(folder, FileNames.temporaryName(job.id()));
        String what = "PUT " + request.fileName();
        // The temporary file this attempt may have created on the host: removed if the attempt fails.
        String ours = null;
        try {
            Map<String, String> extras = host.nextcloud() ? NextcloudHeaders.forUpload(job) : Map.of();
            ensureFolders(dav, root, request.folders(), user);
            DavReply put;
            boolean verifiedBytes = false;
            if (host.nextcloud() && host.chunkingV2() && job.size() > Math.min(settings.chunkThreshold(), host.maxChunkBytes())) {
                what = "chunked upload of " + request.fileName();
                ours = temp;
                put = new ChunkedUpload(dav, ChunkedUpload.uploadsRoot(serverRoot, user), chunkProgress, clock)
                        .send(job, request.spoolFile(), temp, settings.chunkSize(), host.maxChunkBytes(), host.maxParallel(),
                                NextcloudHeaders.forAssembly(job), user);
            } else {
                // From the moment the PUT goes out the host may hold the temporary file, even when its answer
                // never arrives (a timeout, a reset): clean it up on every failure from here on, or a job that
                // then fails for good leaves it on the host forever.
                ours = temp;
                put = putTemporary(dav, temp, request, extras);
                if (put.status() == 404 || put.status() == 409) {
                    // Our idea of the folders was stale: someone removed one. Forget, create again, retry once.
                    forgetFolders(folder);
                    ensureFolders(dav, root, request.folders(), user);
                    put = putTemporary(dav, temp, request, extras);
                }
                if (put.status() == 412) {
                    // The name is taken, and If-None-Match kept the host from replacing it. Only this job uses it
                    // (no upload may be named .sidecar-*.tmp), so it is this job's own earlier PUT: a crash or a lost
                    // answer after it landed. If it holds the job's bytes it is used as it is; anything else there
                    // (an upload the host cut short, or a file that is not ours) is left alone, and this attempt
                    // uploads under a name of its own.
                    ours = null;
                    if (sameContent(dav, temp, job)) {
                        ours = temp;
                        verifiedBytes = true;
                        put = new DavReply(201, "reused", Optional.empty(), Optional.empty(), Optional.empty(),
                                Optional.empty(), false);
                    } else {
                        log.warn("Job {}: {} already exists on the host with other bytes; left alone, uploading under "
                                + "another name", job.id(), FileNames.temporaryName(job.id()));
                        temp = DavPaths.file(folder, FileNames.temporaryName(job.id() + "-"
                                + java.util.UUID.randomUUID().toString().substring(0, 8)));
                        ours = temp;
                        put = putTemporary(dav, temp, request, extras);
                    }
                }
            }
            if (!put.isSuccess()) {
                throw failure(put, dav, temp, root, user, what);
            }
            if (host.nextcloud() && !verifiedBytes) {
                checkHostHash(dav, temp, put, job);
            }
            Optional<String> fileId = put.fileId();
            for (int n = request.firstCopyNumber(); n < MAX_COPIES; n++) {
                String name = FileNames.numbered(request.fileName(), n);
                String target = DavPaths.file(folder, name);
                what = "MOVE to " + name;
                DavReply move = dav.moveNoOverwrite(temp, target);
                if (move.isSuccess()) {
                    ours = null;
                    return withFileId(verified(dav, target, request.folders(), name, job, false, put.etag()), fileId);
                }
                if (move.status() == 412) {
                    if (sameContent(dav, target, job)) {
                        return verified(dav, target, request.folders(), name, job, true, Optional.empty());
                    }
                    continue;
                }
                throw failure(move, dav, target, root, user, what);
            }
            throw new DeliveryFailure(FailureKind.PERMANENT, "more than " + MAX_COPIES + " different files are named "
                    + request.fileName());
        } catch (SardineException e) {
            if (e.getStatusCode() < 300) {
                // An answer that is no valid WebDAV (a 207 that does not parse), not a refusal.
                throw WebDavFailures.forException(e, what, this::hostAnswers);
            }
            // A PROPFIND or read-back the host refused: judged like any other answer.
            try {
                throw judge(e.getStatusCode(), e.getResponsePhrase(), Optional.empty(), false, dav, null, root, user, what);
            } catch (IOException probe) {
                throw WebDavFailures.forException(probe, what, this::hostAnswers);
            }
        } catch (IOException e) {
            throw WebDavFailures.forException(e, what, this::hostAnswers);
        } finally {
            if (ours != null) {
                removeQuietly(dav, ours);
            }
        }
    }

    /** The upload to the hidden name, which must not replace a file already there ({@code If-None-Match: *}). */
    private static DavReply putTemporary(WebDavClient dav, String temp, DeliveryRequest request, Map<String, String> extras)
            throws IOException {
        Map<String, String> headers = new java.util.HashMap<>(extras);
        // lighttpd, Apache mod_dav_fs, sabre/dav (and so Nextcloud) all answer 412 when the name exists.
        headers.put("If-None-Match", "*");
        return dav.putFile(temp, request.spoolFile(), request.job().contentType(), headers);
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

    /**
     * PROPFIND the landed file: its size must be the job's. Where the PUT returned an ETag and the host
     * reports a different one now, the bytes are read back and hashed instead of trusting either.
     */
    private Delivered verified(WebDavClient dav, String url, List<String> folders, String name, Job job, boolean already,
                               Optional<String> putEtag) throws IOException, DeliveryFailure {
        Optional<DavResource> landed = dav.stat(url);
        if (landed.isEmpty()) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, "VERIFY_FAILED: " + name + " is not on the host after the MOVE");
        }
        Long size = landed.get().getContentLength();
        if (size == null || size != job.size()) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, "VERIFY_FAILED: " + name + " has " + size
                    + " bytes on the host, the upload had " + job.size());
        }
        Optional<String> etag = Optional.ofNullable(landed.get().getEtag());
        if (putEtag.isPresent() && etag.isPresent() && !opaque(putEtag.get()).equals(opaque(etag.get()))
                && !sameContent(dav, url, job)) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, "VERIFY_FAILED: " + name
                    + " on the host is not the bytes that were uploaded (ETag and SHA-256 differ)");
        }
        String path = String.join("/", folders) + (folders.isEmpty() ? "" : "/") + name;
        return new Delivered(path, etag, already);
    }

    private static Delivered withFileId(Delivered d, Optional<String> fileId) {
        return new Delivered(d.remotePath(), d.etag(), fileId.or(d::fileId), d.alreadyPresent());
    }

    /**
     * Nextcloud hashes what it received when asked ({@code X-Hash: sha256}): the answer must be the spool's
     * SHA-256. Where the host did not say (an assembled chunked upload on some versions), the bytes are
     * read back and hashed instead, so no upload counts without an end-to-end check.
     */
    private void checkHostHash(WebDavClient dav, String url, DavReply put, Job job) throws IOException, DeliveryFailure {
        if (put.hashSha256().isPresent()) {
            if (!put.hashSha256().get().trim().equalsIgnoreCase(job.sha256())) {
                throw new DeliveryFailure(FailureKind.RETRYABLE, "HASH_MISMATCH: the host received bytes with SHA-256 "
                        + put.hashSha256().get() + ", the upload has " + job.sha256());
            }
            return;
        }
        if (!sameContent(dav, url, job)) {
            throw new DeliveryFailure(FailureKind.RETRYABLE, "HASH_MISMATCH: the bytes on the host differ from the upload");
        }
    }

    /** A job withdrawn before delivery: its chunked upload folder on the host, if any, is removed. */
    @Override
    public void discard(Job job) {
        if (chunkProgress.find(job.id()).isEmpty()) {
            return;
        }
        try {
            new ChunkedUpload(clientFor(job.userId()), ChunkedUpload.uploadsRoot(serverRoot, job.userId()), chunkProgress, clock)
                    .discard(job);
        } catch (DeliveryFailure e) {
            chunkProgress.forget(job.id());
        }
    }

    /** An ETag without its weakness marker and quotes, for comparing. */
    private static String opaque(String etag) {
        String e = etag.startsWith("W/") ? etag.substring(2) : etag;
        return e.replace("\"", "");
    }

    /** Whether the file at {@code url} holds exactly the job's bytes: same size, then the same SHA-256. */
    private boolean sameContent(WebDavClient dav, String url, Job job) throws IOException {
        Optional<DavResource> there = dav.stat(url);
        if (there.isEmpty() || there.get().getContentLength() == null || there.get().getContentLength() != job.size()) {
            return false;
        }
        // Never more than the job's own size is read: a host that answers with more is not holding this file.
        return dav.sha256(url, job.size()).map(job.sha256()::equals).orElse(false);
    }

    private void ensureFolders(WebDavClient dav, String root, List<String> folders, String user)
            throws IOException, DeliveryFailure {
        for (int tries = 0; tries < 2; tries++) {
            if (createMissing(dav, root, folders, user)) {
                return;
            }
            // A parent is missing: perhaps the user's root itself (a fresh account folder). Create it, then again.
            DavReply rootReply = dav.mkcol(root);
            if (!rootReply.isSuccess() && rootReply.status() != 405 && !madeMeanwhile(dav, root, rootReply)) {
                throw failure(rootReply, dav, root, root, user, "MKCOL " + root);
            }
            forgetFolders(root);
        }
        throw new DeliveryFailure(FailureKind.RETRYABLE, "FOLDER_FAILED: the host keeps saying a parent folder is missing");
    }

    /** False when the host says a parent is missing (409): what we remembered was stale, or the root is missing. */
    private boolean createMissing(WebDavClient dav, String root, List<String> folders, String user)
            throws IOException, DeliveryFailure {
        String url = root;
        for (String f : folders) {
            url = url + DavPaths.encodeSegment(f) + "/";
            if (knownFolders.getIfPresent(url) != null) {
                continue;
            }
            DavReply r = dav.mkcol(url);
            if (r.isSuccess() || r.status() == 405 || madeMeanwhile(dav, url, r)) {
                knownFolders.put(url, Boolean.TRUE);
            } else if (r.status() == 409) {
                forgetFolders(url);
                return false;
            } else {
                throw failure(r, dav, url, root, user, "MKCOL " + f);
            }
        }
        return true;
    }

    /**
     * Whether a MKCOL refused with 403 lost a race rather than a permission: Apache's mod_dav_fs answers 403
     * ("File exists: Unable to create collection") when another request created the folder between its
     * check and its mkdir. Two workers delivering into the same new folder do exactly that, and a 403 taken
     * for rejected credentials would pause the user's deliveries for ten minutes. Found by the long crash
     * loop against Apache, where every restart forgets the known folders.
     */
    private static boolean madeMeanwhile(WebDavClient dav, String url, DavReply refused) throws IOException {
        if (refused.status() != 403) {
            return false;
        }
        try {
            return dav.stat(url).map(DavResource::isDirectory).orElse(false);
        } catch (IOException e) {
            return false; // the PROPFIND was refused too: the 403 stands
        }
    }

    /** Forgets {@code url} and every known folder above it. */
    private void forgetFolders(String url) {
        knownFolders.asMap().keySet().removeIf(url::startsWith);
    }

    private DeliveryFailure failure(DavReply r, WebDavClient dav, String url, String root, String user, String what)
            throws IOException {
        return judge(r.status(), r.reason(), r.retryAfter(), r.maintenance(), dav, url, root, user, what);
    }

    /**
     * What a refusal means. A 403 counts against the account (and pauses the user) only when it is the user's
     * root that is refused, or the root refuses too; a 403 on one path is that path's (Apache's stock refusal of
     * ".ht*" names, a read-only folder) and only its job waits.
     *
     * @param url the URL the refused request named, or null when unknown (a PROPFIND inside Sardine)
     */
    private DeliveryFailure judge(int status, String phrase, Optional<String> retryAfter, boolean maintenance,
                                  WebDavClient dav, String url, String root, String user, String what) throws IOException {
        if (status == 403 && !root.equals(url) && !accountRefused(dav, root)) {
            return WebDavFailures.forbiddenPath(phrase, user, what);
        }
        if (status == 503) {
            // Nextcloud 32 answers WebDAV calls in maintenance with a bare 503; status.php says why.
            detector.refresh();
        }
        if (status == 503 && (maintenance || detector.facts().maintenance())) {
            return new DeliveryFailure(FailureKind.HOST_UNAVAILABLE, "HOST_MAINTENANCE: Nextcloud is in maintenance mode ("
                    + what + ")", null, WebDavFailures.parseRetryAfter(retryAfter.orElse(""), clock));
        }
        return WebDavFailures.forStatus(status, phrase, retryAfter, user, what, clock);
    }

    /** Whether the host refuses the user's own root (401 or 403 to a PROPFIND of it): the account, not a path. */
    private static boolean accountRefused(WebDavClient dav, String root) throws IOException {
        try {
            dav.stat(root);
            return false;
        } catch (SardineException e) {
            return e.getStatusCode() == 401 || e.getStatusCode() == 403;
        }
    }

    private WebDavClient clientFor(String user) throws DeliveryFailure {
        Optional<ExAppIdentity> id = exApp.get();
        if (id.isPresent()) {
            // Keyed by the secret too: a new registration gets new clients, never ones with the old secret.
            return clients.get(new Credentials("exapp:" + user, id.get().secret()), k -> appApiClient(id.get(), user));
        }
        Optional<Credentials> creds;
        try {
            creds = credentials.find(user).or(() -> sharedAccount);
        } catch (IllegalStateException e) {
            throw new DeliveryFailure(FailureKind.USER_BLOCKED, "CREDENTIALS_UNREADABLE: " + e.getMessage());
        }
        Credentials key = creds.orElse(new Credentials("", ""));
        return clients.get(key, k -> client(builder(), creds, rootUrl(user)));
    }

    private WebDavClient appApiClient(ExAppIdentity identity, String user) {
        List<org.apache.http.Header> headers = AppApiHeaders.forUser(identity, user).entrySet().stream()
                .map(e -> (org.apache.http.Header) new org.apache.http.message.BasicHeader(e.getKey(), e.getValue())).toList();
        // Default headers go with every request of this client, and the client reaches no origin but the host's.
        return client(builder().setDefaultHeaders(headers), Optional.empty(), rootUrl(user));
    }

    private WebDavClient client(HttpClientBuilder builder, Optional<Credentials> creds, URL root) {
        return new WebDavClient(builder, creds.map(Credentials::login), creds.map(Credentials::password), root,
                settings.socketTimeout(), settings.deadline());
    }

    private HttpClientBuilder builder() {
        return origin.clientBuilder(requests)
                .setConnectionManager(pool)
                .setConnectionManagerShared(true);
    }

    private URL rootUrl(String user) {
        try {
            return new URL(DavPaths.userRoot(settings.baseUrl(), user));
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
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
        clients.asMap().values().forEach(c -> {
            try {
                c.shutdown();
            } catch (IOException ignored) {
                // closing
            }
        });
        probe.close();
        pool.shutdown();
    }

    @Override
    public String toString() {
        return "WebDavTarget[" + settings.baseUrl() + "]";
    }
}
