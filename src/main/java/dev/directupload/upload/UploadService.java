package dev.directupload.upload;

import static dev.directupload.upload.StoreCalls.guard;

import dev.directupload.config.Settings;
import dev.directupload.storage.ObjectStore;
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
  private final MultipartUploads multipart;
  private final StoredUploads storedUploads;
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
    this.multipart = new MultipartUploads(settings, store, registry, rules, clock);
    this.storedUploads = new StoredUploads(rules);
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
    boolean isMultipart = settings.isMultipart(size);
    if (isMultipart && checksum.isPresent()) {
      throw new ApiException(ErrorCode.INVALID_CHECKSUM, "A file of "
          + settings.multipartThreshold() + " bytes or more goes up in parts, each with its own"
          + " SHA-256; send checksumSha256 with each part instead of for the whole file.");
    }

    Instant now = clock.instant();
    String id = UploadIds.next(now);
    String key = folderOf(owner, id, now) + UploadRules.keySafeName(filename);
    Map<String, String> metadata = StoredUploads.metadata(id, filename, owner);
    if (isMultipart) {
      return new PresignedUpload(
          multipart.start(id, owner, key, filename, contentType, size, metadata, now),
          Optional.empty());
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
    return multipart.sign(find(owner, id), parts);
  }

  /** The parts the store already holds for a pending multipart upload, for a client resuming it. */
  public PartsInStore storedParts(String owner, String id) {
    return multipart.stored(find(owner, id));
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
        ? multipart.join(upload)
        : headOrNotUploaded(upload);
    Optional<String> difference = StoredUploads.difference(upload, object);
    if (difference.isPresent()) {
      // Look twice before deleting someone's upload: a store that is not atomic (or an object
      // being deleted right now) can describe an object half-way.
      object = headOrNotUploaded(upload);
      difference = StoredUploads.difference(upload, object);
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
      multipart.forget(upload);
    }
    changes.ifPresent(c -> c.write(ChangeRecords.Kind.COMPLETED, upload.key(), clock.instant()));
    return completed;
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
        multipart.abort(upload);
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
      store.forEachObject(settings.keyPrefix(), object -> storedUploads.upload(object)
          .filter(registry::addCompleted)
          .ifPresent(u -> added[0]++));
      multipart.restoreUnfinished();
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
        if (object.isPresent() && StoredUploads.difference(upload, object.get()).isEmpty()) {
          registry.markCompleted(upload.id(), object.get().lastModified());
        } else {
          if (upload.multipart().isPresent()) {
            multipart.abort(upload);
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
        if (known.isPresent() && known.get().key().equals(change.objectKey())) {
          registry.remove(id);
          applied++;
        }
      } else if (known.isEmpty() || !known.get().isCompleted()) {
        Optional<Upload> stored = store.head(change.objectKey()).flatMap(storedUploads::upload);
        if (stored.isPresent() && (known.isPresent()
            ? registry.markCompleted(id, stored.get().completedAt().orElseThrow()).isPresent()
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
    return settings.keyPrefix() + UploadRules.keySafeName(owner) + "/"
        + dateFolder(made) + "/" + id + "/";
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
    Optional<Upload> stored = guard(() -> store.findFirst(folderOf(owner, id, made)))
        .flatMap(storedUploads::upload)
        .filter(u -> u.id().equals(id) && u.owner().equals(owner));
    if (stored.isEmpty()) {
      // Perhaps a multipart upload still in progress, started on another instance.
      return multipart.findUnfinished(owner, id, now);
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
}
