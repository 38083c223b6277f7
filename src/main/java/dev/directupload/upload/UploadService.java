package dev.directupload.upload;

import dev.directupload.config.Settings;
import dev.directupload.storage.MultipartSpec;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.OpenMultipart;
import dev.directupload.storage.PartSpec;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import dev.directupload.storage.StoredPart;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

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
   * How long an unfinished multipart upload can be resumed: long enough to finish a very large
   * file over a slow line or come back the next morning; its parts are aborted after that.
   */
  public static final Duration MULTIPART_LIFETIME = Duration.ofHours(24);
  /** Parts signed by one request: enough to keep a fast client busy, small enough to answer fast. */
  public static final int MAX_PARTS_PER_REQUEST = 100;
  /** A part URL lives at most this long: a client signs parts shortly before sending them. */
  static final Duration MAX_PART_URL_EXPIRY = Duration.ofHours(1);
  public static final int MAX_PAGE_SIZE = 1000;
  public static final int DEFAULT_PAGE_SIZE = 50;

  /** Object metadata names (S3 stores them as x-amz-meta-*). */
  static final String META_ID = "upload-id";
  static final String META_FILENAME = "filename";
  static final String META_OWNER = "owner";

  private static final DateTimeFormatter KEY_DATE =
      DateTimeFormatter.ofPattern("yyyy/MM/dd", Locale.ROOT).withZone(ZoneOffset.UTC);

  private final Settings settings;
  private final ObjectStore store;
  private final UploadRegistry registry;
  private final UploadRules rules;
  private final CorsCheck cors;
  private final Clock clock;
  /** Empty when {@code index-refresh} is off: a single instance has nobody to tell. */
  private final Optional<ChangeRecords> changes;
  private final MultipartRecords multipartRecords;
  private volatile DateFolder lastDateFolder;

  public UploadService(Settings settings, ObjectStore store, UploadRegistry registry, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.registry = registry;
    this.rules = new UploadRules(settings);
    this.cors = new CorsCheck(settings, store, clock);
    this.clock = clock;
    this.changes = settings.indexRefresh().isZero() ? Optional.empty()
        : Optional.of(new ChangeRecords(store, settings.keyPrefix(), clock.instant()));
    this.multipartRecords = new MultipartRecords(store, settings.keyPrefix());
  }

  /**
   * Validates the request, chooses the key and signs a PUT bound to size, type and checksum; a
   * file at or above the multipart threshold gets a multipart upload in the store instead, whose
   * parts are signed by {@link #signParts}.
   */
  public PresignedUpload presign(String owner, UploadRequest request) {
    String filename = rules.filename(request.filename());
    String contentType = rules.contentType(request.contentType());
    long size = rules.size(request.size());
    Optional<String> checksum = rules.checksumSha256(request.checksumSha256());
    rules.typeMatchesName(filename, contentType);
    boolean multipart = settings.isMultipart(size);
    if (multipart && checksum.isPresent()) {
      throw new ApiException(ErrorCode.INVALID_CHECKSUM, "A file of "
          + settings.multipartThreshold() + " bytes or more goes up in parts, each with its own"
          + " SHA-256; send checksumSha256 with each part instead of for the whole file.");
    }

    Instant now = clock.instant();
    String id = UploadIds.next(now);
    String key = folderOf(owner, id) + UploadRules.keySafeName(filename);
    Map<String, String> metadata = Map.of(
        META_ID, id,
        META_FILENAME, PercentEncoding.encode(filename),
        META_OWNER, PercentEncoding.encode(owner));
    if (multipart) {
      String storeUploadId = guard(() -> store.startMultipart(
          new MultipartSpec(key, contentType, metadata, settings.publicRead())));
      Upload upload = new Upload(id, owner, key, filename, contentType, size, Optional.empty(),
          now, now.plus(MULTIPART_LIFETIME), Optional.empty(),
          Optional.of(MultipartPlan.of(storeUploadId, size, settings)));
      try {
        registry.addPending(upload, now);
      } catch (ApiException e) {
        quietly("abort the multipart upload of " + id, () -> abort(upload));
        throw e;
      }
      try {
        multipartRecords.write(upload);
      } catch (StorageException e) {
        registry.remove(id);
        quietly("abort the multipart upload of " + id, () -> abort(upload));
        throw unavailable(e);
      }
      return new PresignedUpload(upload, Optional.empty());
    }
    PresignedPut put = guard(() -> store.presignPut(new PutSpec(key, contentType, size, checksum,
        metadata, settings.publicRead(), settings.urlExpiry())));
    Upload upload = new Upload(id, owner, key, filename, contentType, size, checksum, now,
        now.plus(settings.urlExpiry()).plus(PENDING_GRACE), Optional.empty(), Optional.empty());
    registry.addPending(upload, now);
    return new PresignedUpload(upload, Optional.of(put));
  }

  /**
   * Signs up to {@link #MAX_PARTS_PER_REQUEST} parts of a pending multipart upload, each URL
   * bound to its part's exact length and SHA-256, with a short expiry.
   */
  public List<SignedPart> signParts(String owner, String id, List<PartRequest> parts) {
    Upload upload = find(owner, id);
    MultipartPlan plan = planOf(upload);
    if (parts.isEmpty() || parts.size() > MAX_PARTS_PER_REQUEST) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "expected 1 to " + MAX_PARTS_PER_REQUEST
          + " parts per request but got " + parts.size());
    }
    List<PartSpec> specs = new ArrayList<>(parts.size());
    Set<Integer> seen = new HashSet<>();
    Duration expiry = settings.urlExpiry().compareTo(MAX_PART_URL_EXPIRY) < 0
        ? settings.urlExpiry() : MAX_PART_URL_EXPIRY;
    for (PartRequest part : parts) {
      int n = part.partNumber();
      if (n < 1 || n > plan.partCount()) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "expected partNumber 1.."
            + plan.partCount() + " but was " + n);
      }
      if (!seen.add(n)) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "part " + n + " is asked for twice");
      }
      String checksum = rules.checksumSha256(part.checksumSha256()).orElseThrow(() ->
          new ApiException(ErrorCode.INVALID_CHECKSUM, "part " + n + " needs its checksumSha256:"
              + " the base64 SHA-256 of its bytes, which the store checks"));
      specs.add(new PartSpec(upload.key(), plan.storeUploadId(), n,
          plan.sizeOf(n, upload.size()), checksum, expiry));
    }
    List<SignedPart> signed = new ArrayList<>(specs.size());
    for (PartSpec spec : specs) {
      signed.add(new SignedPart(spec.partNumber(), guard(() -> store.presignPart(spec))));
    }
    return signed;
  }

  /** The parts the store already holds for a pending multipart upload, for a client resuming it. */
  public PartsInStore storedParts(String owner, String id) {
    Upload upload = find(owner, id);
    MultipartPlan plan = planOf(upload);
    return new PartsInStore(plan, guard(() -> store.listParts(upload.key(),
        plan.storeUploadId())).orElseThrow(() -> goneFromStore(upload)));
  }

  private static MultipartPlan planOf(Upload upload) {
    if (upload.isCompleted()) {
      throw new ApiException(ErrorCode.ALREADY_COMPLETED, "Upload " + upload.id()
          + " is already complete; it has no parts to send.");
    }
    return upload.multipart().orElseThrow(() -> new ApiException(ErrorCode.INVALID_REQUEST,
        "Upload " + upload.id() + " is a single PUT to its signed URL; it has no parts."));
  }

  private ApiException goneFromStore(Upload upload) {
    registry.removeIfPending(upload.id());
    return new ApiException(ErrorCode.NOT_FOUND, "The store no longer holds the unfinished upload "
        + upload.id() + " (it was aborted or expired); start the upload again.");
  }

  /**
   * Verifies the object and lists the upload. Idempotent: a completed upload is answered as it is.
   * An object that differs from what was signed is deleted, so nothing unverified stays around.
   */
  public Upload complete(String owner, String id) {
    Upload upload = find(owner, id);
    if (upload.isCompleted()) {
      return upload;
    }
    StoredObject object = upload.multipart().isPresent()
        ? joinParts(upload, upload.multipart().get())
        : headOrNotUploaded(upload);
    Optional<String> difference = difference(upload, object);
    if (difference.isPresent()) {
      // Look twice before deleting someone's upload: a store that is not atomic (or an object
      // being deleted right now) can describe an object half-way.
      object = headOrNotUploaded(upload);
      difference = difference(upload, object);
    }
    if (difference.isPresent()) {
      if (registry.find(id).isEmpty()) {
        throw notFound(id); // deleted meanwhile: that delete already answered for it
      }
      guard(() -> {
        store.delete(upload.key());
        return null;
      });
      registry.remove(id);
      throw new ApiException(ErrorCode.OBJECT_MISMATCH,
          difference.get() + "; the object was deleted. Start the upload again.");
    }
    Upload completed =
        registry.markCompleted(id, object.lastModified()).orElseThrow(() -> notFound(id));
    if (upload.multipart().isPresent()) {
      quietly("delete the multipart record of " + id, () -> multipartRecords.delete(id));
    }
    changes.ifPresent(c -> c.write(ChangeRecords.Kind.COMPLETED, upload.key(), clock.instant()));
    return completed;
  }

  /**
   * Checks the stored parts against the plan and joins them into the object. The object may
   * already be there: a complete that was retried, or raced by another.
   */
  private StoredObject joinParts(Upload upload, MultipartPlan plan) {
    Optional<StoredObject> object = guard(() -> store.head(upload.key()));
    if (object.isPresent()) {
      return object.get();
    }
    Optional<List<StoredPart>> parts =
        guard(() -> store.listParts(upload.key(), plan.storeUploadId()));
    if (parts.isPresent()) {
      List<StoredPart> planned = partsAsPlanned(upload, plan, parts.get());
      guard(() -> store.completeMultipart(upload.key(), plan.storeUploadId(), planned));
    }
    // Ours, or a concurrent complete's: either way the object now tells.
    object = guard(() -> store.head(upload.key()));
    return object.orElseThrow(() -> parts.isEmpty() ? goneFromStore(upload)
        : new ApiException(ErrorCode.NOT_UPLOADED, "The store has not made the object of "
            + upload.id() + " from its parts yet; complete again shortly."));
  }

  /** The stored parts 1..partCount in order, or a 409 naming what is missing or wrong. */
  private static List<StoredPart> partsAsPlanned(Upload upload, MultipartPlan plan,
      List<StoredPart> stored) {
    Map<Integer, StoredPart> byNumber = new HashMap<>();
    stored.forEach(p -> byNumber.put(p.partNumber(), p));
    List<StoredPart> planned = new ArrayList<>(plan.partCount());
    List<Integer> missing = new ArrayList<>();
    List<String> wrong = new ArrayList<>();
    for (int n = 1; n <= plan.partCount(); n++) {
      StoredPart part = byNumber.get(n);
      long expected = plan.sizeOf(n, upload.size());
      if (part == null) {
        missing.add(n);
      } else if (part.size() != expected) {
        wrong.add("part " + n + " holds " + part.size() + " bytes instead of " + expected);
      } else {
        planned.add(part);
      }
    }
    if (missing.isEmpty() && wrong.isEmpty()) {
      return planned;
    }
    StringBuilder message = new StringBuilder();
    if (!missing.isEmpty()) {
      message.append(missing.size()).append(" of ").append(plan.partCount())
          .append(" parts are not in storage yet (").append(firstFew(missing)).append(")");
    }
    if (!wrong.isEmpty()) {
      message.append(message.length() > 0 ? "; " : "").append(firstFew(wrong));
    }
    throw new ApiException(ErrorCode.NOT_UPLOADED, message
        + ". Upload those parts, then complete again; the parts stored are kept.");
  }

  private static String firstFew(List<?> items) {
    int shown = Math.min(items.size(), 10);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < shown; i++) {
      text.append(i == 0 ? "" : ", ").append(items.get(i));
    }
    return items.size() > shown ? text + ", …" : text.toString();
  }

  private StoredObject headOrNotUploaded(Upload upload) {
    return guard(() -> store.head(upload.key())).orElseThrow(() ->
        new ApiException(ErrorCode.NOT_UPLOADED, "No object has been uploaded for "
            + upload.id() + " yet; PUT the file to the signed URL first."));
  }

  /**
   * Cancels a pending upload (aborting a multipart one, which frees its parts) or deletes a
   * completed file, object included.
   */
  public void delete(String owner, String id) {
    Upload upload = find(owner, id);
    // Store first, index entry second: a failure leaves both in place, never a listed ghost.
    guard(() -> {
      if (!upload.isCompleted() && upload.multipart().isPresent()) {
        abort(upload);
      }
      store.delete(upload.key());
      return null;
    });
    registry.remove(id);
    changes.ifPresent(c -> c.write(ChangeRecords.Kind.DELETED, upload.key(), clock.instant()));
  }

  /** A page of the owner's completed files, newest first. */
  public FilePage files(String owner, Integer limit, Optional<String> cursor) {
    int size = limit == null ? DEFAULT_PAGE_SIZE : limit;
    if (size < 1 || size > MAX_PAGE_SIZE) {
      throw new ApiException(ErrorCode.INVALID_REQUEST,
          "expected limit 1.." + MAX_PAGE_SIZE + " but was " + size);
    }
    return registry.page(owner, size, cursor);
  }

  /** The owner's pending uploads, oldest first. */
  public List<Upload> pendingUploads(String owner) {
    return registry.pending(u -> u.owner().equals(owner));
  }

  /** A short-lived URL that downloads the file as an attachment under its original name. */
  public URI downloadUrl(String owner, String id) {
    Upload upload = find(owner, id);
    if (!upload.isCompleted()) {
      throw notFound(id);
    }
    return guard(() -> store.presignGet(upload.key(), ContentDisposition.attachment(
        upload.filename()), upload.contentType(), settings.urlExpiry()));
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
    try {
      store.checkBucket();
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Health check failed: " + e.getMessage(), e.getCause());
      return new Health(false, Optional.of(e.getMessage()), registry.completedCount(),
          registry.pendingCount(), Optional.empty());
    }
    String origin = settings.publicOrigin().orElse(requestOrigin);
    return new Health(true, Optional.empty(), registry.completedCount(), registry.pendingCount(),
        Optional.of(cors.check(origin)));
  }

  /**
   * Lists every object under the key prefix and indexes those written through this application,
   * so a restart loses no completed file. Returns how many were added.
   */
  public int rebuildIndex() {
    int[] added = {0};
    registry.beginRebuild();
    try {
      store.forEachObject(settings.keyPrefix(), object -> fromStore(object)
          .filter(registry::addCompleted)
          .ifPresent(u -> added[0]++));
      // Unfinished multipart uploads stay resumable across a restart.
      Instant now = clock.instant();
      multipartRecords.forEach(upload -> {
        if (upload.expiresAt().isAfter(now) && registry.find(upload.id()).isEmpty()) {
          addPendingIfRoom(upload, now);
        }
      });
    } finally {
      registry.endRebuild();
    }
    return added[0];
  }

  /**
   * Settles pending uploads whose time ran out: one whose object arrived and checks out is
   * completed (the browser may have closed before calling complete), one whose object is wrong is
   * deleted, one with no object is dropped. The same rule the rebuild applies, so a restart and an
   * expiry agree.
   */
  public void expirePending() {
    for (Upload upload : registry.expiredPending(clock.instant())) {
      try {
        Optional<StoredObject> object = store.head(upload.key());
        if (object.isPresent() && difference(upload, object.get()).isEmpty()) {
          registry.markCompleted(upload.id(), object.get().lastModified());
        } else {
          if (upload.multipart().isPresent()) {
            abort(upload);
          }
          if (object.isPresent()) {
            store.delete(upload.key());
          }
          registry.removeIfPending(upload.id());
        }
      } catch (StorageException e) {
        LOG.log(System.Logger.Level.WARNING, "Could not settle expired upload " + upload.id()
            + " (" + e.getMessage() + "); will try again", e.getCause());
      }
    }
  }

  /**
   * Aborts the multipart uploads under the key prefix that nobody can resume any more: started
   * longer ago than {@link #MULTIPART_LIFETIME} (and an hour, for the store's clock), such as
   * those of an instance that stopped before expiring them. Returns how many were aborted.
   */
  public int abortAbandonedMultipart() {
    Instant before = clock.instant().minus(MULTIPART_LIFETIME).minus(Duration.ofHours(1));
    List<OpenMultipart> abandoned = new ArrayList<>();
    store.forEachOpenMultipart(settings.keyPrefix(), open -> {
      if (open.initiated() != null && open.initiated().isBefore(before)) {
        abandoned.add(open);
      }
    });
    for (OpenMultipart open : abandoned) {
      store.abortMultipart(open.key(), open.uploadId());
    }
    multipartRecords.deleteMadeBefore(before);
    return abandoned.size();
  }

  /** Aborts a multipart upload in the store and forgets its record there. */
  private void abort(Upload upload) {
    store.abortMultipart(upload.key(), upload.multipart().orElseThrow().storeUploadId());
    multipartRecords.delete(upload.id());
  }

  /** A clean-up that may fail: logged, and left to the hourly sweep. */
  private static void quietly(String what, Runnable cleanUp) {
    try {
      cleanUp.run();
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not " + what + " (" + e.getMessage()
          + "); the hourly sweep will", e.getCause());
    }
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
        if (known.isPresent() && known.get().key().equals(change.objectKey())) {
          registry.remove(id);
          applied++;
        }
      } else if (known.isEmpty() || !known.get().isCompleted()) {
        Optional<Upload> stored = store.head(change.objectKey()).flatMap(this::fromStore);
        if (stored.isPresent() && (known.isPresent()
            ? registry.markCompleted(id, stored.get().completedAt().orElseThrow()).isPresent()
            : registry.addCompleted(stored.get()))) {
          applied++;
        }
      }
    }
    return applied;
  }

  /** Indexes a pending upload another instance started; a full index leaves it out. */
  private void addPendingIfRoom(Upload upload, Instant now) {
    try {
      registry.addPending(upload, now);
    } catch (ApiException | IllegalStateException e) {
      // TOO_MANY_PENDING, or another thread added it first: either way nothing to add.
    }
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
  private String folderOf(String owner, String id) {
    return settings.keyPrefix() + UploadRules.keySafeName(owner) + "/"
        + dateFolder(UploadIds.madeAt(id)) + "/" + id + "/";
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

  private Upload find(String owner, String id) {
    if (!UploadIds.isWellFormed(id)) {
      throw notFound(id);
    }
    Optional<Upload> known = registry.find(id);
    if (known.isEmpty()) {
      known = findInStore(owner, id);
    }
    // Someone else's upload answers exactly like a missing one: ids are not to be probed.
    return known.filter(u -> u.owner().equals(owner)).orElseThrow(() -> notFound(id));
  }

  /**
   * An upload this instance does not know may have been completed through another instance: its
   * object, if any, is the only one in its folder, and the id says which folder. Ids made
   * outside the time an upload can take (random ones, probes) cost no call to the store.
   */
  private Optional<Upload> findInStore(String owner, String id) {
    Instant made = UploadIds.madeAt(id);
    Instant now = clock.instant();
    Duration longest = MULTIPART_LIFETIME.plus(settings.urlExpiry()).plus(PENDING_GRACE);
    if (made.isAfter(now.plus(Duration.ofMinutes(5))) || made.isBefore(now.minus(longest))) {
      return Optional.empty();
    }
    Optional<Upload> stored = guard(() -> store.findFirst(folderOf(owner, id)))
        .flatMap(this::fromStore)
        .filter(u -> u.id().equals(id) && u.owner().equals(owner));
    if (stored.isEmpty()) {
      // Perhaps a multipart upload still in progress, started on another instance.
      guard(() -> multipartRecords.read(id))
          .filter(u -> u.owner().equals(owner) && u.expiresAt().isAfter(now))
          .ifPresent(u -> addPendingIfRoom(u, now));
      return registry.find(id);
    }
    if (registry.addCompleted(stored.get())) {
      // The instance that signed it holds it as pending until it hears.
      changes.ifPresent(c -> c.write(ChangeRecords.Kind.COMPLETED, stored.get().key(), now));
    }
    return registry.find(id);
  }

  private static ApiException notFound(String id) {
    String shown = id.length() > 40 ? id.substring(0, 40) + "…" : id;
    return new ApiException(ErrorCode.NOT_FOUND, "No upload with id '" + shown + "'");
  }

  /** How the stored object differs from what was signed, in words; empty when it matches. */
  private static Optional<String> difference(Upload upload, StoredObject object) {
    if (object.size() != upload.size()) {
      return Optional.of("expected " + upload.size() + " bytes but the store holds "
          + object.size());
    }
    String storedType = mediaType(object.contentType());
    if (!storedType.equals(upload.contentType())) {
      return Optional.of("expected type " + upload.contentType() + " but the store holds "
          + storedType);
    }
    if (!upload.id().equals(object.metadata().get(META_ID))) {
      return Optional.of("the object at " + upload.key() + " was not written by this upload");
    }
    if (upload.checksumSha256().isPresent() && object.checksumSha256().isPresent()
        && !upload.checksumSha256().equals(object.checksumSha256())) {
      return Optional.of("the stored SHA-256 differs from the one signed");
    }
    return Optional.empty();
  }

  /** An upload rebuilt from an object this application wrote; empty for foreign objects. */
  private Optional<Upload> fromStore(StoredObject object) {
    String id = object.metadata().get(META_ID);
    if (!UploadIds.isWellFormed(id) || !object.key().contains("/" + id + "/")) {
      return Optional.empty();
    }
    String filename;
    String owner;
    try {
      filename = rules.filename(PercentEncoding.decode(
          object.metadata().getOrDefault(META_FILENAME, "")));
      owner = PercentEncoding.decode(object.metadata().getOrDefault(META_OWNER, ANONYMOUS));
    } catch (IllegalArgumentException | ApiException e) {
      filename = object.key().substring(object.key().lastIndexOf('/') + 1);
      owner = ANONYMOUS;
    }
    Instant at = object.lastModified();
    return Optional.of(new Upload(id, owner, object.key(), filename,
        mediaType(object.contentType()), object.size(), object.checksumSha256(), at, at,
        Optional.of(at), Optional.empty()));
  }

  /** "Text/Plain; charset=UTF-8" → "text/plain": stores may add parameters to what was signed. */
  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT);
  }

  /** Runs a storage call, turning a store failure into a 503 the client can retry. */
  private static <T> T guard(StorageCall<T> call) {
    try {
      return call.run();
    } catch (StorageException e) {
      throw unavailable(e);
    }
  }

  private static ApiException unavailable(StorageException e) {
    LOG.log(System.Logger.Level.WARNING, "Storage failure: " + e.getMessage(), e.getCause());
    return new ApiException(ErrorCode.STORAGE_UNAVAILABLE,
        "The storage is not available right now; try again shortly.");
  }

  @FunctionalInterface
  private interface StorageCall<T> {
    T run();
  }
}
