package dev.directupload.upload;

import static dev.directupload.upload.StoreCalls.guard;

import dev.directupload.config.ByteSize;
import dev.directupload.config.Settings;
import dev.directupload.events.PreCreateHook;
import dev.directupload.registry.Admission;
import dev.directupload.registry.BadCursorException;
import dev.directupload.registry.Changed;
import dev.directupload.registry.FilePage;
import dev.directupload.registry.Limits;
import dev.directupload.registry.MultipartPlan;
import dev.directupload.registry.Registry;
import dev.directupload.registry.RegistryUnavailableException;
import dev.directupload.registry.Tombstone;
import dev.directupload.registry.Upload;
import dev.directupload.registry.Usage;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.PostSpec;
import dev.directupload.storage.PresignedPost;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The use cases behind the API. The server never sees file bytes: it signs what the browser may
 * send, then checks what the store received before listing it.
 */
public final class UploadService {
  private static final System.Logger LOG = System.getLogger(UploadService.class.getName());

  /** Owner of every upload when the container authenticates nobody. */
  public static final String ANONYMOUS = "anonymous";
  /**
   * How long a pending upload outlives its URL: S3 checks the signature when a PUT starts, so a
   * slow transfer begun just before expiry may still land well after it.
   */
  static final Duration PENDING_GRACE = Duration.ofHours(1);
  /**
   * How long a started multipart upload can be resumed: long enough to finish a very large file
   * over a slow line or come back the next morning; its parts are aborted after that.
   */
  public static final Duration MULTIPART_LIFETIME = Duration.ofHours(24);
  /**
   * A removed upload is remembered at least this long, whatever its URL: a rebuild or another
   * instance's record that read it before the removal must not bring it back.
   */
  static final Duration TOMBSTONE_MINIMUM = Duration.ofHours(1);
  /** Parts signed by one request: enough to keep a fast client busy, small enough to answer fast. */
  public static final int MAX_PARTS_PER_REQUEST = 100;
  /** A part URL lives at most this long: a client signs parts shortly before sending them. */
  static final Duration MAX_PART_URL_EXPIRY = Duration.ofHours(1);

  /** How long a part URL lives under these settings. */
  public static Duration partUrlExpiry(Settings settings) {
    return settings.urlExpiry().compareTo(MAX_PART_URL_EXPIRY) < 0 ? settings.urlExpiry()
        : MAX_PART_URL_EXPIRY;
  }
  public static final int MAX_PAGE_SIZE = 1000;
  public static final int DEFAULT_PAGE_SIZE = 50;
  /** How long a look at the store answers health checks. */
  static final Duration HEALTH_CACHE = Duration.ofSeconds(5);
  /** S3's limit on user metadata, names and values together. */
  static final int MAX_METADATA_BYTES = 2048;
  /** Expired uploads settled per housekeeping round: a backlog is worked off round by round. */
  static final int EXPIRY_BATCH = 1000;

  private static final DateTimeFormatter KEY_DATE =
      DateTimeFormatter.ofPattern("yyyy/MM/dd", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Settings settings;
  private final ObjectStore store;
  private final Registry registry;
  private final UploadRules rules;
  private final CorsCheck cors;
  private final Clock clock;
  private final Limits limits;
  /**
   * What instances over one bucket tell each other; empty for a single instance
   * ({@code index-refresh} off) and when the registry is a database every instance shares.
   */
  private final Optional<ChangeRecords> changes;
  private final MultipartUploads multipart;
  /** Empty with a database registry: its tombstones are shared by every instance. */
  private final Optional<DeletionRecords> deletions;
  private final StoredUploads storedUploads;
  private final ObjectChecks checks;
  private final StoreLookups lookups;
  private final IndexSource index;
  private final Optional<PreCreateHook> preCreateHook;
  private final UploadEvents events;
  private final UploadObserver observer;
  /** Form uploads this instance signed, whose objects it looks for (Uppy never completes them). */
  private final Arrivals arrivals = new Arrivals();
  private volatile DateFolder lastDateFolder;
  private volatile StoreCheck lastStoreCheck;

  /** Over a registry that needs no loading after a start. */
  public UploadService(Settings settings, ObjectStore store, Registry registry, Clock clock) {
    this(settings, store, registry, clock, IndexSource.NONE);
  }

  /** Over a registry that {@code index} fills after a start, while the app already answers. */
  public UploadService(Settings settings, ObjectStore store, Registry registry, Clock clock,
      IndexSource index) {
    this(settings, store, registry, clock, index, Integrations.NONE);
  }

  /** With the hooks and events of {@code integrations}. */
  public UploadService(Settings settings, ObjectStore store, Registry registry, Clock clock,
      IndexSource index, Integrations integrations) {
    this.index = index;
    this.preCreateHook = integrations.preCreateHook();
    this.observer = integrations.observer();
    this.events = new UploadEvents(integrations.webhooks(), this::publicUrl);
    this.settings = settings;
    this.store = store;
    this.registry = registry;
    this.rules = new UploadRules(settings);
    this.cors = new CorsCheck(settings, store, clock);
    this.clock = clock;
    this.limits = new Limits(settings.maxPending(), settings.maxPendingPerUser(),
        settings.ownerQuotaBytes(), settings.ownerQuotaFiles());
    this.changes = registry.isShared() || settings.indexRefresh().isZero()
        ? Optional.empty()
        : Optional.of(new ChangeRecords(store, settings.keyPrefix(), clock.instant()));
    this.multipart = new MultipartUploads(settings, store, registry, rules, clock);
    this.deletions = registry.isShared() ? Optional.empty()
        : Optional.of(new DeletionRecords(store, settings.keyPrefix()));
    this.storedUploads = new StoredUploads(rules);
    this.checks = new ObjectChecks(settings, store, new ContentSniffer());
    this.lookups = new StoreLookups(clock);
  }

  /**
   * Validates the request, chooses the key and signs a PUT bound to size, type and checksum; a
   * file at or above the multipart threshold gets a multipart plan instead, whose parts are
   * signed by {@link #signParts} (the store's multipart upload starts with the first of them).
   */
  public PresignedUpload presign(Caller caller, UploadRequest request) {
    String filename = rules.filename(request.filename());
    String contentType = rules.contentType(request.contentType());
    long size = rules.size(request.size());
    Optional<String> checksum = rules.checksumSha256(request.checksumSha256());
    rules.typeMatchesName(filename, contentType);
    boolean isMultipart = settings.isMultipart(size);
    if (isMultipart && checksum.isPresent()) {
      throw new ApiException(ErrorCode.INVALID_CHECKSUM, "A file of "
          + settings.multipartThreshold() + " bytes or more goes up in parts, each with its own"
          + " SHA-256; send checksumSha256 with each part instead of for the whole file.");
    }

    String owner = caller.owner();
    Map<String, String> extra = askHook(caller, filename, contentType, size);
    Instant now = clock.instant();
    String id = UploadIds.next(now);
    String key = folderOf(owner, id, now) + UploadRules.keySafeName(filename);
    requireMetadataFits(StoredUploads.metadata(id, filename, owner, extra));
    Instant expiresAt = now.plus(settings.urlExpiry()).plus(PENDING_GRACE);
    if (isMultipart) {
      Upload upload = new Upload(id, owner, caller.client(), key, filename, contentType, size,
          Optional.empty(), extra, now, expiresAt, Optional.empty(), Optional.empty(),
          Optional.of(MultipartPlan.of(size, settings)));
      admit(upload, now);
      multipart.signed(upload);
      observer.presigned(caller, upload);
      return new PresignedUpload(upload, Optional.empty());
    }
    PresignedPut put = guard(() -> store.presignPut(new PutSpec(key, contentType, size, checksum,
        StoredUploads.metadata(id, filename, owner, extra), settings.publicRead(),
        settings.urlExpiry(), ObjectChecks.contentDisposition(contentType),
        settings.writeOnce())));
    Upload upload = new Upload(id, owner, caller.client(), key, filename, contentType, size,
        checksum, extra, now, expiresAt, Optional.empty(), Optional.empty(), Optional.empty());
    admit(upload, now);
    observer.presigned(caller, upload);
    return new PresignedUpload(upload, Optional.of(put));
  }

  /**
   * Signs a POST form for a client that does not say the file's size (Uppy's small files): the
   * rules of {@link #presign} for name, type, owner, limits and the hook, the size bound to 1 byte
   * up to {@code max-file-size} (or what the owner's quota leaves) and checked again when the
   * object exists. Uppy never completes such an upload: this instance looks for the object by
   * itself ({@link #noticeArrivals}) and lists it when it checks out.
   */
  public SignedForm presignForm(Caller caller, UppyRequest request) {
    Upload upload = unsized(caller, request, Optional.empty());
    long largest = Math.min(Math.min(settings.maxFileSize(), PostSpec.MAX_SIZE),
        quotaRoom(upload.owner()));
    PresignedPost post = guard(() -> store.presignPost(new PostSpec(upload.key(),
        upload.contentType(), StoredUploads.metadata(upload), 1, largest, Optional.empty(),
        settings.publicRead(), settings.urlExpiry(),
        ObjectChecks.contentDisposition(upload.contentType()))));
    admit(upload, upload.createdAt());
    arrivals.watch(upload.id(), upload.createdAt());
    observer.presigned(caller, upload);
    return new SignedForm(upload, post);
  }

  /**
   * Starts a multipart upload for a client that cuts its parts itself and says nothing of them
   * beforehand (Uppy's large files): parts are signed one by one without a length or checksum,
   * and the client names the parts to join when it completes ({@link #completeParts}). As with
   * every multipart upload, the store's upload starts with the first part signed.
   */
  public Upload startMultipart(Caller caller, UppyRequest request) {
    Upload upload = unsized(caller, request, Optional.of(MultipartPlan.clientCut()));
    admit(upload, upload.createdAt());
    multipart.signed(upload);
    observer.presigned(caller, upload);
    return upload;
  }

  /** A new upload of unknown size, checked as {@link #presign} checks one, not yet admitted. */
  private Upload unsized(Caller caller, UppyRequest request, Optional<MultipartPlan> plan) {
    String filename = rules.filename(request.filename());
    String contentType = rules.contentType(request.contentType());
    rules.typeMatchesName(filename, contentType);
    Map<String, String> extra = new TreeMap<>(ClientMetadata.of(request.metadata()));
    // The host application's pairs win over the browser's.
    extra.putAll(askHook(caller, filename, contentType, Upload.SIZE_UNKNOWN));
    String owner = caller.owner();
    Instant now = clock.instant();
    String id = UploadIds.next(now);
    String key = folderOf(owner, id, now) + UploadRules.keySafeName(filename);
    requireMetadataFits(StoredUploads.metadata(id, filename, owner, extra));
    return new Upload(id, owner, caller.client(), key, filename, contentType, Upload.SIZE_UNKNOWN,
        Optional.empty(), extra, now, now.plus(settings.urlExpiry()).plus(PENDING_GRACE),
        Optional.empty(), Optional.empty(), plan);
  }

  /** The bytes the owner's quota leaves for a file of unknown size; no limit without a quota. */
  private long quotaRoom(String owner) {
    if (limits.quotaBytes() <= 0) {
      return Long.MAX_VALUE;
    }
    Usage usage = registry.usage(owner);
    long room = limits.quotaBytes() - usage.bytes() - usage.pendingBytes();
    if (room < 1) {
      throw quotaExceeded(owner, Admission.OVER_QUOTA_BYTES);
    }
    return room;
  }

  /**
   * What the host application says about this upload, when a pre-create hook is set: the extra
   * metadata it wants stored with the object, or a refusal in its own words and status.
   */
  private Map<String, String> askHook(Caller caller, String filename, String contentType,
      long size) {
    if (preCreateHook.isEmpty()) {
      return Map.of();
    }
    PreCreateHook.Decision decision = preCreateHook.get().decide(
        new PreCreateHook.Request(caller.owner(), filename, contentType, size),
        name -> caller.headers().getOrDefault(name, List.of()));
    if (decision instanceof PreCreateHook.Decision.Allow allow) {
      return allow.metadata();
    }
    if (decision instanceof PreCreateHook.Decision.Reject reject) {
      throw ApiException.rejectedByHook(reject.status(), reject.message());
    }
    PreCreateHook.Decision.Unavailable unavailable = (PreCreateHook.Decision.Unavailable) decision;
    LOG.log(System.Logger.Level.WARNING, "Pre-create hook unavailable: " + unavailable.reason());
    throw new ApiException(ErrorCode.HOOK_UNAVAILABLE, "The application could not be asked"
        + " whether this upload may happen; try again shortly.");
  }

  /** S3 refuses more than 2 KiB of user metadata in all (names and values). */
  private static void requireMetadataFits(Map<String, String> metadata) {
    int bytes = 0;
    for (Map.Entry<String, String> pair : metadata.entrySet()) {
      bytes += pair.getKey().length() + pair.getValue().length();
    }
    if (bytes > MAX_METADATA_BYTES) {
      throw new ApiException(ErrorCode.INVALID_FILENAME, "The file's name and the metadata"
          + " stored with it take " + bytes + " bytes, more than the " + MAX_METADATA_BYTES
          + " S3 allows; choose a shorter name.");
    }
  }

  /** Adds the new pending upload, or says which limit stopped it. */
  private void admit(Upload upload, Instant now) {
    Admission admission = registry.addPending(upload, limits, now);
    switch (admission) {
      case ADMITTED -> { }
      case FULL -> throw new ApiException(ErrorCode.TOO_MANY_PENDING, "Too many uploads are in"
          + " progress on this server (" + settings.maxPending() + "); try again shortly.");
      case CLIENT_FULL -> throw new ApiException(ErrorCode.PENDING_LIMIT, "You have "
          + settings.maxPendingPerUser() + " unfinished uploads, the most one user may have;"
          + " finish or cancel some, or wait for them to expire.");
      case OVER_QUOTA_BYTES, OVER_QUOTA_FILES -> throw quotaExceeded(upload.owner(), admission);
      case ALREADY_KNOWN -> throw new IllegalStateException("Duplicate upload id " + upload.id());
    }
  }

  private ApiException quotaExceeded(String owner, Admission admission) {
    Usage usage = registry.usage(owner);
    String message = admission == Admission.OVER_QUOTA_BYTES
        ? "This file would take your storage past your quota: " + ByteSize.format(usage.bytes())
            + " used of " + ByteSize.format(limits.quotaBytes()) + "."
        : "This file would take you past your quota of " + limits.quotaFiles() + " files: "
            + usage.files() + " used.";
    return new ApiException(ErrorCode.QUOTA_EXCEEDED, message);
  }

  /**
   * Signs up to {@link #MAX_PARTS_PER_REQUEST} parts of a pending multipart upload, each URL
   * bound to its part's exact length and SHA-256, with a short expiry.
   */
  public List<SignedPart> signParts(Caller caller, String id, List<PartRequest> parts) {
    return multipart.sign(find(caller, id), parts);
  }

  /** The parts the store already holds for a pending multipart upload, for a client resuming it. */
  public PartsInStore storedParts(Caller caller, String id) {
    return multipart.stored(find(caller, id));
  }

  /**
   * Signs part {@code partNumber} of a multipart upload started by {@link #startMultipart}, for
   * a client that names the upload by id and object key (Companion's routes); any length.
   */
  public SignedPart signPart(Caller caller, String id, String key, int partNumber) {
    return multipart.sign(find(caller, id, key), List.of(new PartRequest(partNumber, null)))
        .get(0);
  }

  /** Checks that {@code id} names an upload of the caller with the object key {@code key}. */
  public void requireUpload(Caller caller, String id, String key) {
    find(caller, id, key);
  }

  /** {@link #storedParts}, for a client that names the upload by id and object key. */
  public PartsInStore storedParts(Caller caller, String id, String key) {
    return multipart.stored(find(caller, id, key));
  }

  /**
   * Joins the parts a client that cut them itself names, then verifies and lists the file as
   * {@link #complete} does. Idempotent: a completed upload is answered as it is.
   */
  public Upload completeParts(Caller caller, String id, String key, List<ClientPart> parts) {
    Upload upload = find(caller, id, key);
    if (upload.isCompleted()) {
      return upload;
    }
    if (upload.multipart().filter(MultipartPlan::isClientCut).isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "Upload " + id + " was not started"
          + " through s3/multipart; complete it with POST api/uploads/" + id + "/complete.");
    }
    return verifyAndList(caller, upload, multipart.joinClientParts(upload, parts));
  }

  /**
   * Cancels a pending multipart upload named by id and object key (Uppy's abort). A completed
   * file is not deleted this way: Uppy aborts after any error, and must not take a file with it;
   * an upload already dropped (a refused complete) is answered as cancelled.
   */
  public void cancelMultipart(Caller caller, String id, String key) {
    if (UploadIds.isWellFormed(id) && registry.find(id).isEmpty() && registry.isRemoved(id)) {
      return; // already dropped: Uppy 5 aborts after every error, the refused complete included
    }
    Upload upload = find(caller, id, key);
    if (upload.isCompleted()) {
      throw new ApiException(ErrorCode.ALREADY_COMPLETED, "Upload " + id + " is complete;"
          + " delete the file with DELETE api/files/" + id + ".");
    }
    delete(caller, id);
  }

  /**
   * Checks that {@code id} names a pending multipart upload of the caller before its request
   * body is read: a request for a made-up id costs no reading at all.
   */
  public void requireMultipart(Caller caller, String id) {
    Upload upload = find(caller, id);
    if (upload.multipart().isEmpty() && !upload.isCompleted()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST,
          "Upload " + upload.id() + " is a single PUT to its signed URL; it has no parts.");
    }
  }

  /**
   * Verifies the object and lists the upload. Idempotent: a completed upload is answered as it is.
   * An object that differs from what was signed is deleted, so nothing unverified stays around.
   */
  public Upload complete(Caller caller, String id) {
    Upload upload = find(caller, id);
    if (upload.isCompleted()) {
      return upload;
    }
    if (upload.multipart().filter(MultipartPlan::isClientCut).isPresent()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "Upload " + id + " was started through"
          + " s3/multipart; complete it there, naming its parts.");
    }
    StoredObject object = upload.multipart().isPresent()
        ? multipart.join(upload)
        : headOrNotUploaded(upload);
    return verifyAndList(caller, upload, object);
  }

  /**
   * Checks the object against what was signed (and, for a file whose size was not signed,
   * against {@code max-file-size} and the owner's quota) and lists the upload; an object that
   * fails is deleted and the upload dropped, with the problem as the answer.
   */
  private Upload verifyAndList(Caller caller, Upload upload, StoredObject found) {
    String id = upload.id();
    long max = settings.maxFileSize();
    StoredObject object = found;
    Optional<String> difference = ObjectChecks.difference(upload, object, max);
    if (difference.isPresent()) {
      // Look twice before deleting someone's upload: a store that is not atomic (or an object
      // being deleted right now) can describe an object half-way.
      object = headOrNotUploaded(upload);
      difference = ObjectChecks.difference(upload, object, max);
    }
    Optional<ApiException> problem = difference.map(d -> new ApiException(
        ErrorCode.OBJECT_MISMATCH, d + "; the object was deleted. Start the upload again."));
    if (problem.isEmpty() && !upload.isSizeKnown()) {
      problem = overQuota(upload.owner(), object.size());
    }
    if (problem.isEmpty()) {
      problem = guard(() -> checks.deepProblem(upload));
    }
    if (problem.isPresent()) {
      arrivals.forget(id);
      if (registry.find(id).isEmpty()) {
        throw notFound(id); // deleted meanwhile: that delete already answered for it
      }
      Tombstone tombstone = tombstone(upload, clock.instant());
      guard(() -> {
        recordDeletion(tombstone);
        store.delete(upload.key());
        return null;
      });
      registry.remove(id, tombstone);
      throw problem.get();
    }
    Instant at = object.lastModified();
    Optional<String> etag = object.etag();
    long size = object.size();
    Changed changed = registry.markCompleted(id, at, etag, size,
        events.completed(upload.completed(at, etag).withSize(size), clock.instant()));
    arrivals.forget(id);
    Upload completed = changed.upload().orElseThrow(() -> notFound(id));
    events.announce(changed.recorded());
    if (upload.multipart().isPresent()) {
      multipart.forget(upload);
    }
    changes.ifPresent(c -> c.write(ChangeRecords.Kind.COMPLETED, upload.key(), clock.instant()));
    observer.completed(caller, completed);
    return completed;
  }

  private StoredObject headOrNotUploaded(Upload upload) {
    return guard(() -> store.head(upload.key())).orElseThrow(() ->
        new ApiException(ErrorCode.NOT_UPLOADED, "No object has been uploaded for "
            + upload.id() + " yet; PUT the file to the signed URL first."));
  }

  /** A file whose size was not signed that would take its owner past the quota in bytes. */
  private Optional<ApiException> overQuota(String owner, long size) {
    if (limits.quotaBytes() <= 0 || registry.usage(owner).bytes() + size <= limits.quotaBytes()) {
      return Optional.empty();
    }
    return Optional.of(new ApiException(ErrorCode.QUOTA_EXCEEDED, "This file of "
        + ByteSize.format(size) + " would take your storage past your quota of "
        + ByteSize.format(limits.quotaBytes()) + "; it was deleted."));
  }

  /**
   * Looks for the objects of the form uploads this instance signed (see {@link Arrivals}) and
   * lists each one that arrived and checks out, as {@link #complete} would; one that fails is
   * deleted. Returns how many were settled either way.
   */
  public int noticeArrivals() {
    int settled = 0;
    for (String id : arrivals.due(clock.instant())) {
      Optional<Upload> pending = registry.find(id).filter(u -> !u.isCompleted());
      if (pending.isEmpty()) {
        arrivals.forget(id); // completed, cancelled or expired meanwhile
        continue;
      }
      Upload upload = pending.get();
      Optional<StoredObject> object = store.head(upload.key());
      if (object.isEmpty()) {
        if (!upload.expiresAt().isAfter(clock.instant())) {
          arrivals.forget(id); // expiry settles it now
        }
        continue;
      }
      try {
        verifyAndList(Caller.system(), upload, object.get());
      } catch (ApiException e) {
        if (e.code() == ErrorCode.STORAGE_UNAVAILABLE) {
          continue; // still watched: the next look tries again
        }
        LOG.log(System.Logger.Level.INFO, "The object of form upload " + id + " was refused: "
            + e.getMessage());
      }
      settled++;
    }
    return settled;
  }

  /**
   * Cancels a pending upload (aborting a multipart one, which frees its parts) or deletes a
   * completed file, object included. The id is remembered as removed while its URL could still
   * write the object again.
   */
  public void delete(Caller caller, String id) {
    Upload upload = find(caller, id);
    Tombstone tombstone = tombstone(upload, clock.instant());
    // Store first, index entry second: a failure leaves both in place, never a listed ghost.
    guard(() -> {
      recordDeletion(tombstone);
      if (!upload.isCompleted() && upload.multipart().isPresent()) {
        multipart.abort(upload);
      }
      store.delete(upload.key());
      return null;
    });
    Changed changed = registry.remove(id, tombstone, events.deleted(upload, clock.instant()));
    arrivals.forget(id);
    events.announce(changed.recorded());
    changes.ifPresent(c -> c.write(ChangeRecords.Kind.DELETED, upload.key(), clock.instant()));
    observer.deleted(caller, upload);
  }

  /** Records in the bucket that the id is deleted while its URL could write the object again. */
  private void recordDeletion(Tombstone tombstone) {
    if (tombstone.checkObject()) {
      deletions.ifPresent(d -> d.write(tombstone));
    }
  }

  /**
   * What to remember of a removed upload: until its signed PUT URL can no longer write the
   * object (and at least {@link #TOMBSTONE_MINIMUM}); if that URL was still valid, the key is
   * looked at once more then, and an object written meanwhile is deleted.
   */
  private Tombstone tombstone(Upload upload, Instant now) {
    Instant urlDeadline = upload.multipart().isPresent()
        ? now // a multipart upload's parts cannot be sent once it is aborted
        : upload.createdAt().plus(settings.urlExpiry()).plus(PENDING_GRACE);
    Instant minimum = now.plus(TOMBSTONE_MINIMUM);
    return new Tombstone(upload.id(), upload.key(),
        urlDeadline.isAfter(minimum) ? urlDeadline : minimum, urlDeadline.isAfter(now));
  }

  /** False while the file list is still being loaded after a start: pages may miss files. */
  public boolean isIndexComplete() {
    return !index.isLoading();
  }

  /** Where the index stands, for {@code api/health}. */
  public IndexStatus indexStatus() {
    int files;
    try {
      files = registry.completedCount();
    } catch (RegistryUnavailableException e) {
      files = 0;
    }
    return new IndexStatus(index.isLoading(), files, index.problem());
  }

  /** A page of the owner's completed files, newest first. */
  public FilePage files(Caller caller, Integer limit, Optional<String> cursor) {
    int size = limit == null ? DEFAULT_PAGE_SIZE : limit;
    if (size < 1 || size > MAX_PAGE_SIZE) {
      throw new ApiException(ErrorCode.INVALID_REQUEST,
          "expected limit 1.." + MAX_PAGE_SIZE + " but was " + size);
    }
    try {
      return registry.page(caller.owner(), size, cursor);
    } catch (BadCursorException e) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, e.getMessage());
    }
  }

  /**
   * The owner's pending uploads that a client of our API can resume, oldest first. Uppy's are
   * left out: Uppy keeps its own state, and our page could not resume an upload whose size and
   * parts nobody said.
   */
  public List<Upload> pendingUploads(Caller caller) {
    return registry.pending(caller.owner()).stream().filter(Upload::isSizeKnown).toList();
  }

  /**
   * A short-lived URL that downloads the file as an attachment under its original name. The
   * object is looked at first: one written again since it was verified (another size, another
   * ETag) is not served as this file, and is removed.
   */
  public URI downloadUrl(Caller caller, String id) {
    Upload upload = find(caller, id);
    if (!upload.isCompleted()) {
      throw notFound(id);
    }
    Optional<StoredObject> object = guard(() -> store.head(upload.key()));
    if (object.isEmpty()) {
      forgetGone(upload);
      throw new ApiException(ErrorCode.NOT_FOUND, "The file " + id + " is no longer in storage.");
    }
    if (changedSinceVerified(upload, object.get())) {
      LOG.log(System.Logger.Level.WARNING, "The object of " + id + " at " + upload.key()
          + " changed after it was verified; deleting it");
      guard(() -> {
        store.delete(upload.key());
        return null;
      });
      forgetGone(upload);
      changes.ifPresent(c -> c.write(ChangeRecords.Kind.DELETED, upload.key(), clock.instant()));
      throw new ApiException(ErrorCode.OBJECT_CHANGED, "The stored object of " + id
          + " was written again after it was verified, so it is not served as this file;"
          + " it was removed. Upload the file again.");
    }
    return guard(() -> store.presignGet(upload.key(), ContentDisposition.attachment(
        upload.filename()), upload.contentType(), settings.urlExpiry()));
  }

  /**
   * Drops a listed file whose object is gone or was replaced: the application hears of it as
   * of any deletion ({@code upload.deleted}), since the file it was told of no longer exists.
   */
  private void forgetGone(Upload upload) {
    Changed changed = registry.remove(upload.id(), tombstone(upload, clock.instant()),
        events.deleted(upload, clock.instant()));
    events.announce(changed.recorded());
  }

  /** Another size, ETag or time than when it was verified: not the object that was checked. */
  private static boolean changedSinceVerified(Upload upload, StoredObject object) {
    return object.size() != upload.size()
        || (upload.etag().isPresent() && object.etag().isPresent()
            && !upload.etag().equals(object.etag()))
        || (upload.completedAt().isPresent()
            && !upload.completedAt().get().equals(object.lastModified()));
  }

  /** The object's URL in the bucket (readable by anyone only when objects are public). */
  public URI objectUrl(Upload upload) {
    return store.publicUrl(upload.key());
  }

  /** The object's permanent URL when objects are public, else empty. */
  public Optional<URI> publicUrl(Upload upload) {
    return settings.publicRead() ? Optional.of(store.publicUrl(upload.key())) : Optional.empty();
  }

  /**
   * Whether the bucket answers, and whether a page at {@code requestOrigin} (or at the configured
   * public origin) may upload to it.
   */
  public Health health(String requestOrigin) {
    int completed;
    int pending;
    try {
      completed = registry.completedCount();
      pending = registry.pendingCount();
    } catch (RegistryUnavailableException e) {
      return new Health(false, Optional.of(e.getMessage()), 0, 0, Optional.empty());
    }
    Optional<String> problem = storeProblem();
    if (problem.isPresent()) {
      return new Health(false, problem, completed, pending, Optional.empty());
    }
    String origin = settings.publicOrigin().orElse(requestOrigin);
    return new Health(true, Optional.empty(), completed, pending, cors.check(origin));
  }

  /**
   * What is wrong with the store, if anything, as found at most {@link #HEALTH_CACHE} ago:
   * probes and pages may ask every second, the store is asked a few times a minute at most.
   */
  public Optional<String> storeProblem() {
    Instant now = clock.instant();
    StoreCheck last = lastStoreCheck;
    if (last != null && now.isBefore(last.at().plus(HEALTH_CACHE))) {
      return last.problem();
    }
    Optional<String> problem;
    try {
      store.checkBucket(settings.keyPrefix());
      problem = Optional.empty();
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Health check failed: " + e.getMessage(), e.getCause());
      problem = Optional.of(e.getMessage());
    }
    lastStoreCheck = new StoreCheck(now, problem);
    return problem;
  }

  private record StoreCheck(Instant at, Optional<String> problem) {}

  /** The limits a client checks before asking, and the caller's quota. */
  public ClientConfig clientConfig(Caller caller) {
    Optional<ClientConfig.Quota> quota = limits.quotaBytes() > 0 || limits.quotaFiles() > 0
        ? Optional.of(ClientConfig.Quota.of(registry.usage(caller.owner()), limits.quotaBytes(),
            limits.quotaFiles()))
        : Optional.empty();
    return new ClientConfig(settings.maxFileSize(),
        ByteSize.formatAsWritten(settings.maxFileSize()), settings.allowedTypes(),
        MediaTypes.extensionsOf(settings.allowedTypes()), settings.urlExpiry().toSeconds(),
        settings.multipartThreshold(), settings.partSize(), quota);
  }

  /**
   * Settles pending uploads whose time ran out: one whose object arrived and checks out is
   * completed (the browser may have closed before calling complete), one whose object is wrong is
   * deleted, one with no object is dropped. The same rule the rebuild applies, so a restart and an
   * expiry agree.
   */
  public void expirePending() {
    for (Upload upload : registry.expiredPending(clock.instant(), EXPIRY_BATCH)) {
      try {
        Optional<StoredObject> object = store.head(upload.key());
        boolean good = object.isPresent()
            && ObjectChecks.difference(upload, object.get(), settings.maxFileSize()).isEmpty()
            && (upload.isSizeKnown() || overQuota(upload.owner(), object.get().size()).isEmpty())
            && checks.deepProblem(upload).isEmpty();
        arrivals.forget(upload.id());
        if (good) {
          Instant at = object.get().lastModified();
          Optional<String> etag = object.get().etag();
          long size = object.get().size();
          Changed changed = registry.markCompleted(upload.id(), at, etag, size,
              events.completed(upload.completed(at, etag).withSize(size), clock.instant()));
          events.announce(changed.recorded());
          changes.ifPresent(c ->
              c.write(ChangeRecords.Kind.COMPLETED, upload.key(), clock.instant()));
          observer.expired(upload, true);
        } else {
          if (upload.multipart().isPresent()) {
            multipart.abort(upload);
          }
          if (object.isPresent()) {
            store.delete(upload.key());
          }
          Changed changed = registry.removeIfPending(upload.id(), null,
              events.expired(upload, clock.instant()));
          events.announce(changed.recorded());
          observer.expired(upload, false);
        }
      } catch (StorageException e) {
        LOG.log(System.Logger.Level.WARNING, "Could not settle expired upload " + upload.id()
            + " (" + e.getMessage() + "); will try again", e.getCause());
      }
    }
  }

  /**
   * Looks once more at the keys of removed uploads whose URL was still valid when they were
   * removed, now that it is not: an object written there meanwhile (a PUT after a cancel or
   * delete) belongs to nobody and is deleted. Returns how many such objects were found.
   */
  public int sweepTombstones() {
    int found = 0;
    for (Tombstone t : registry.expiredTombstones(clock.instant(), EXPIRY_BATCH)) {
      if (t.checkObject()) {
        Optional<StoredObject> object = store.head(t.key());
        if (object.isPresent()
            && t.id().equals(object.get().metadata().get(StoredUploads.META_ID))) {
          LOG.log(System.Logger.Level.INFO, "Deleting the object written for removed upload "
              + t.id() + " after its removal");
          store.delete(t.key());
          found++;
        }
        deletions.ifPresent(d -> d.delete(t.id()));
      }
      registry.forgetTombstone(t.id());
    }
    return found;
  }

  /**
   * Aborts the multipart uploads under the key prefix that nobody can resume any more: started
   * longer ago than {@link #MULTIPART_LIFETIME} (and an hour, for the store's clock), such as
   * those of an instance that stopped before expiring them. Returns how many were aborted.
   */
  public int abortAbandonedMultipart() {
    return multipart.abortAbandoned();
  }

  /**
   * Reads what other instances over the same bucket completed or deleted since the last look
   * and brings the index in line. Returns how many changes were applied.
   */
  public int refreshIndex() {
    if (changes.isEmpty()) {
      return 0;
    }
    int applied = 0;
    for (ChangeRecords.Change change : changes.get().readNew()) {
      String id = idOf(change.objectKey());
      Optional<Upload> known = registry.find(id);
      if (change.kind() == ChangeRecords.Kind.DELETED) {
        if (known.isEmpty() || known.get().key().equals(change.objectKey())) {
          Instant now = clock.instant();
          Upload gone = known.orElse(null);
          Tombstone t = gone != null ? tombstone(gone, now)
              : new Tombstone(id, change.objectKey(), now.plus(TOMBSTONE_MINIMUM), false);
          if (registry.remove(id, t).isPresent()) {
            applied++;
          }
        }
      } else if (known.isEmpty() || !known.get().isCompleted()) {
        Optional<Upload> stored = store.head(change.objectKey()).flatMap(storedUploads::upload);
        if (stored.isPresent() && (known.isPresent()
            ? registry.markCompleted(id, stored.get().completedAt().orElseThrow(),
                stored.get().etag(), stored.get().size(), List.of()).upload().isPresent()
            : registry.addCompleted(stored.get()))) {
          applied++;
        }
      }
    }
    return applied;
  }

  /** Deletes change records older than a day; returns how many. */
  public int deleteOldChangeRecords() {
    return changes.map(c -> c.deleteOld(clock.instant())).orElse(0);
  }

  /** "uploads/alice/2026/01/01/<id>/a.txt" → "<id>": the segment before the name. */
  private static String idOf(String key) {
    int end = key.lastIndexOf('/');
    return key.substring(key.lastIndexOf('/', end - 1) + 1, Math.max(end, 0));
  }

  /**
   * The owner's folder for the upload {@code id}: the owner's own folder (an operator sees whose
   * files are whose, and a per-user IAM or lifecycle rule can target it), the day the id was
   * made, and the id.
   */
  private String folderOf(String owner, String id, Instant made) {
    return settings.keyPrefix() + OwnerFolders.of(owner) + "/" + dateFolder(made) + "/" + id + "/";
  }

  /** "2026/03/04", formatted once a day rather than for every presign. */
  private String dateFolder(Instant at) {
    long day = Math.floorDiv(at.getEpochSecond(), 86_400);
    DateFolder cached = lastDateFolder;
    if (cached == null || cached.epochDay() != day) {
      cached = new DateFolder(day, KEY_DATE.format(at));
      lastDateFolder = cached;
    }
    return cached.text();
  }

  private record DateFolder(long epochDay, String text) {}

  /** {@link #find(Caller, String)}, and the object key must be the upload's. */
  private Upload find(Caller caller, String id, String key) {
    Upload upload = find(caller, id);
    if (!upload.key().equals(key)) {
      throw notFound(id); // as for someone else's: a key does not help to probe ids
    }
    return upload;
  }

  private Upload find(Caller caller, String id) {
    if (!UploadIds.isWellFormed(id)) {
      throw notFound(id);
    }
    Optional<Upload> known = registry.find(id);
    if (known.isEmpty() && !registry.knowsEveryUpload() && !registry.isRemoved(id)) {
      known = index.recall(id);
      if (known.isEmpty()) {
        known = findInStore(caller, id);
      }
      if (known.isEmpty() && index.isLoading()) {
        // Perhaps a file the loading has not reached yet: say so rather than "not found".
        throw new ApiException(ErrorCode.INDEX_LOADING, "The file list is still loading after"
            + " a start; try again in a few seconds.");
      }
    }
    // Someone else's upload answers exactly like a missing one: ids are not to be probed.
    return known.filter(u -> u.owner().equals(caller.owner())).orElseThrow(() -> notFound(id));
  }

  /**
   * An upload this instance does not know may have been completed through another instance: its
   * object, if any, is the only one in its folder, and the id says which folder. Ids made
   * outside the time an upload can take (random ones, probes) cost no call to the store, nor do
   * ids that missed a moment ago; and each client may only make so many such looks a minute.
   */
  private Optional<Upload> findInStore(Caller caller, String id) {
    Instant made = UploadIds.madeAt(id);
    Instant now = clock.instant();
    Duration longest = MULTIPART_LIFETIME.plus(settings.urlExpiry()).plus(PENDING_GRACE);
    if (made.isAfter(now.plus(Duration.ofMinutes(5))) || made.isBefore(now.minus(longest))
        || lookups.missedRecently(caller.owner(), id)) {
      return Optional.empty();
    }
    lookups.spend(caller.client());
    String owner = caller.owner();
    Optional<Upload> stored = guard(() -> store.findFirst(folderOf(owner, id, made)))
        .flatMap(storedUploads::upload)
        .filter(u -> u.id().equals(id) && u.owner().equals(owner));
    if (stored.isEmpty()) {
      // Perhaps a multipart upload still in progress, started on another instance.
      Optional<Upload> unfinished = multipart.findUnfinished(owner, id, now);
      if (unfinished.isEmpty()) {
        lookups.missed(owner, id);
      }
      return unfinished;
    }
    if (deletions.isPresent() && guard(() -> deletions.get().isDeleted(id))) {
      // Written again by its URL after another instance deleted it.
      registry.remove(id, new Tombstone(id, stored.get().key(),
          now.plus(settings.urlExpiry()).plus(PENDING_GRACE), true));
      return Optional.empty();
    }
    adoptOrDelete(stored.get());
    if (registry.addCompleted(stored.get())) {
      // Perhaps nobody called complete: the instance that signed it lost it (a restart), or the
      // client completes here. The event's id is the upload's, so a copy is dropped downstream.
      events.publish(events.completed(stored.get(), now));
    }
    // The instance that signed it holds it as pending until it hears: told even when this one
    // had just read the object in by itself (its start's listing), which tells nobody.
    changes.ifPresent(c -> c.write(ChangeRecords.Kind.COMPLETED, stored.get().key(), now));
    return registry.find(id);
  }

  /**
   * An object another instance may have completed, or nobody did: checked here as any
   * completion is (what HeadObject told, then its content and grants), and deleted with its
   * problem as the answer when it fails.
   */
  private void adoptOrDelete(Upload found) {
    StoredObject object = guard(() -> store.head(found.key())).orElseThrow(() -> notFound(
        found.id()));
    Optional<ApiException> problem = ObjectChecks.difference(found, object,
        settings.maxFileSize())
        .map(d -> new ApiException(ErrorCode.OBJECT_MISMATCH, d + "; the object was deleted."));
    if (problem.isEmpty()) {
      problem = guard(() -> checks.deepProblem(found));
    }
    if (problem.isPresent()) {
      Tombstone tombstone = new Tombstone(found.id(), found.key(),
          clock.instant().plus(settings.urlExpiry()).plus(PENDING_GRACE), true);
      guard(() -> {
        recordDeletion(tombstone);
        store.delete(found.key());
        return null;
      });
      registry.remove(found.id(), tombstone);
      throw problem.get();
    }
  }

  private static ApiException notFound(String id) {
    String shown = id.length() > 40 ? id.substring(0, 40) + "…" : id;
    return new ApiException(ErrorCode.NOT_FOUND, "No upload with id '" + shown + "'");
  }
}
