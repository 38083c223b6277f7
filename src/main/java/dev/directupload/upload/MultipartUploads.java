package dev.directupload.upload;

import static dev.directupload.upload.StoreCalls.guard;
import static dev.directupload.upload.StoreCalls.quietly;
import static dev.directupload.upload.StoreCalls.unavailable;

import dev.directupload.config.ByteSize;
import dev.directupload.config.Settings;
import dev.directupload.registry.Limits;
import dev.directupload.registry.MultipartPlan;
import dev.directupload.registry.Registry;
import dev.directupload.registry.Tombstone;
import dev.directupload.registry.Upload;
import dev.directupload.storage.MultipartSpec;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.OpenMultipart;
import dev.directupload.storage.PartSpec;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import dev.directupload.storage.StoredPart;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The multipart side of the use cases. A large file's upload costs nothing in the store until
 * its first part is signed: only then is the store's multipart upload started (and, without a
 * shared database, recorded in the bucket so any instance can sign its parts and a restart
 * keeps it resumable). Its parts are signed on request, checked against the plan and joined, and
 * an upload nobody finishes is aborted. {@link UploadService} finds the upload and checks the
 * owner; this class is handed the upload.
 */
final class MultipartUploads {
  /** S3's highest part number. */
  static final int MAX_PART_NUMBER = 10_000;
  /** S3's smallest part, but for the last. */
  static final long MIN_PART_SIZE = 5L * 1024 * 1024;

  private final Settings settings;
  private final ObjectStore store;
  private final Registry registry;
  private final UploadRules rules;
  private final MultipartRecords records;
  private final Clock clock;
  /** Records in the bucket: only when the registry is not a database every instance shares. */
  private final boolean recordsInBucket;
  /** Other instances may be asked about an upload this one signed: record it when it is signed. */
  private final boolean severalInstances;

  MultipartUploads(Settings settings, ObjectStore store, Registry registry, UploadRules rules,
      Clock clock) {
    this.settings = settings;
    this.store = store;
    this.registry = registry;
    this.rules = rules;
    this.records = new MultipartRecords(store, settings.keyPrefix());
    this.clock = clock;
    this.recordsInBucket = !registry.isShared();
    this.severalInstances = recordsInBucket && !settings.indexRefresh().isZero();
  }

  /**
   * A new multipart upload was admitted to the registry. With several instances over the bucket
   * its plan is recorded now, so that whichever instance is asked for its first parts knows it;
   * a single instance records it only when it starts in the store.
   */
  void signed(Upload upload) {
    if (!severalInstances) {
      return;
    }
    try {
      records.write(upload);
    } catch (StorageException e) {
      registry.removeIfPending(upload.id(), null);
      throw unavailable(e);
    }
  }

  /** See {@link UploadService#signParts}. */
  List<SignedPart> sign(Upload upload, List<PartRequest> parts) {
    MultipartPlan plan = planOf(upload);
    if (parts.isEmpty() || parts.size() > UploadService.MAX_PARTS_PER_REQUEST) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "expected 1 to "
          + UploadService.MAX_PARTS_PER_REQUEST + " parts per request but got " + parts.size());
    }
    int lastPart = plan.isClientCut() ? MAX_PART_NUMBER : plan.partCount();
    Set<Integer> seen = new HashSet<>();
    Map<Integer, String> checksums = new HashMap<>();
    for (PartRequest part : parts) {
      int n = part.partNumber();
      if (n < 1 || n > lastPart) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "expected partNumber 1.." + lastPart
            + " but was " + n);
      }
      if (!seen.add(n)) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "part " + n + " is asked for twice");
      }
      if (!plan.isClientCut()) {
        checksums.put(n, rules.checksumSha256(part.checksumSha256()).orElseThrow(() ->
            new ApiException(ErrorCode.INVALID_CHECKSUM, "part " + n + " needs its"
                + " checksumSha256: the base64 SHA-256 of its bytes, which the store checks")));
      }
    }
    // Only a well-formed request starts the upload in the store.
    Upload started = started(upload);
    String storeUploadId = started.multipart().orElseThrow().storeUploadId().orElseThrow();
    if (plan.isClientCut() && plan.isStarted()) {
      requireRoomForMore(upload, storeUploadId);
    }
    Duration expiry = UploadService.partUrlExpiry(settings);
    List<SignedPart> signed = new ArrayList<>(parts.size());
    for (PartRequest part : parts) {
      int n = part.partNumber();
      PartSpec spec = plan.isClientCut()
          ? new PartSpec(upload.key(), storeUploadId, n, PartSpec.ANY_SIZE, Optional.empty(),
              expiry)
          : new PartSpec(upload.key(), storeUploadId, n, plan.sizeOf(n, upload.size()),
              Optional.of(checksums.get(n)), expiry);
      signed.add(new SignedPart(n, guard(() -> store.presignPart(spec))));
    }
    return signed;
  }

  /**
   * A part URL of a client that does not say its sizes takes any length, so what the store
   * holds is looked at before each further part is signed: once it holds {@code max-file-size},
   * no more. (A client can still overshoot by the parts it has in flight; completing then fails.)
   */
  private void requireRoomForMore(Upload upload, String storeUploadId) {
    List<StoredPart> stored = guard(() -> store.listParts(upload.key(), storeUploadId))
        .orElseThrow(() -> goneFromStore(upload));
    long bytes = stored.stream().mapToLong(StoredPart::size).sum();
    if (bytes >= settings.maxFileSize()) {
      throw new ApiException(ErrorCode.FILE_TOO_LARGE, "The parts stored for " + upload.id()
          + " already hold " + ByteSize.format(bytes) + ", and at most "
          + ByteSize.format(settings.maxFileSize()) + " is allowed");
    }
  }

  /**
   * The upload with its store upload started: as it is when it was, else started now (by this
   * call, or by whichever start won a race, whose id every later signature then uses).
   */
  private Upload started(Upload upload) {
    MultipartPlan plan = upload.multipart().orElseThrow();
    if (plan.isStarted()) {
      return upload;
    }
    Instant expiry = clock.instant().plus(UploadService.MULTIPART_LIFETIME);
    if (severalInstances) {
      // Another instance may have started it: its record says so.
      Optional<Upload> recorded = guard(() -> records.read(upload.id()));
      Optional<String> startedThere =
          recorded.flatMap(u -> u.multipart()).flatMap(MultipartPlan::storeUploadId);
      if (startedThere.isPresent()) {
        return registry.startMultipart(upload.id(), plan.started(startedThere.get()),
            recorded.get().expiresAt()).orElseThrow(() -> goneFromStore(upload));
      }
    }
    String storeUploadId = guard(() -> store.startMultipart(new MultipartSpec(upload.key(),
        upload.contentType(), StoredUploads.metadata(upload), settings.publicRead(),
        ObjectChecks.contentDisposition(upload.contentType()), !plan.isClientCut())));
    MultipartPlan ours = plan.started(storeUploadId);
    if (recordsInBucket) {
      try {
        records.write(upload.withMultipart(ours, expiry));
      } catch (StorageException e) {
        quietly("abort the multipart upload of " + upload.id(),
            () -> store.abortMultipart(upload.key(), storeUploadId));
        throw unavailable(e);
      }
    }
    Optional<Upload> now = registry.startMultipart(upload.id(), ours, expiry);
    String winner = now.flatMap(Upload::multipart).flatMap(MultipartPlan::storeUploadId)
        .orElse(null);
    if (!storeUploadId.equals(winner)) {
      // Cancelled meanwhile, or another request started it first: ours goes.
      quietly("abort the multipart upload of " + upload.id(),
          () -> store.abortMultipart(upload.key(), storeUploadId));
      if (recordsInBucket) {
        if (now.isPresent()) {
          quietly("record the multipart upload of " + upload.id(), () -> records.write(now.get()));
        } else {
          quietly("delete the multipart record of " + upload.id(),
              () -> records.delete(upload.id()));
        }
      }
    }
    return now.orElseThrow(() -> goneFromStore(upload));
  }

  /** See {@link UploadService#storedParts}. */
  PartsInStore stored(Upload upload) {
    MultipartPlan plan = planOf(upload);
    if (!plan.isStarted()) {
      return new PartsInStore(plan, List.of());
    }
    return new PartsInStore(plan, guard(() -> store.listParts(upload.key(),
        plan.storeUploadId().get())).orElseThrow(() -> goneFromStore(upload)));
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
    registry.removeIfPending(upload.id(), null);
    return new ApiException(ErrorCode.NOT_FOUND, "The store no longer holds the unfinished upload "
        + upload.id() + " (it was aborted or expired); start the upload again.");
  }

  /**
   * Checks the stored parts against the plan and joins them into the object. The object may
   * already be there: a complete that was retried, or raced by another.
   */
  StoredObject join(Upload upload) {
    MultipartPlan plan = upload.multipart().orElseThrow();
    if (!plan.isStarted()) {
      throw new ApiException(ErrorCode.NOT_UPLOADED, "None of the " + plan.partCount()
          + " parts of " + upload.id() + " is in storage yet; sign and upload them first.");
    }
    String storeUploadId = plan.storeUploadId().get();
    Optional<StoredObject> object = guard(() -> store.head(upload.key()));
    if (object.isPresent()) {
      return object.get();
    }
    Optional<List<StoredPart>> parts =
        guard(() -> store.listParts(upload.key(), storeUploadId));
    if (parts.isPresent()) {
      List<StoredPart> planned = partsAsPlanned(upload, plan, parts.get());
      guard(() -> store.completeMultipart(upload.key(), storeUploadId, planned,
          settings.writeOnce()));
    }
    return joined(upload, parts.isPresent());
  }

  /**
   * The object after a join was asked for: ours, or a concurrent complete's, either way the
   * store now tells. {@code uploadFound} false: the store no longer knew the multipart upload.
   */
  private StoredObject joined(Upload upload, boolean uploadFound) {
    Optional<StoredObject> object = guard(() -> store.head(upload.key()));
    return object.orElseThrow(() -> !uploadFound ? goneFromStore(upload)
        : new ApiException(ErrorCode.NOT_UPLOADED, "The store has not made the object of "
            + upload.id() + " from its parts yet; complete again shortly."));
  }

  /**
   * Joins the parts a client that cut them itself names, in its order of part numbers, after
   * checking each against the store's (its ETag, and S3's 5 MiB floor for all but the last) and
   * their total against {@code max-file-size}. Too large: the parts are aborted and the upload
   * dropped. The object may already be there (a complete that was retried).
   */
  StoredObject joinClientParts(Upload upload, List<ClientPart> named) {
    MultipartPlan plan = upload.multipart().orElseThrow();
    if (named.isEmpty() || named.size() > MAX_PART_NUMBER) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "expected 1 to " + MAX_PART_NUMBER
          + " parts to join but got " + named.size());
    }
    if (!plan.isStarted()) {
      throw new ApiException(ErrorCode.NOT_UPLOADED, "None of the parts of " + upload.id()
          + " is in storage yet; upload them first.");
    }
    String storeUploadId = plan.storeUploadId().get();
    Optional<StoredObject> object = guard(() -> store.head(upload.key()));
    if (object.isPresent()) {
      return object.get();
    }
    List<ClientPart> sorted = new ArrayList<>(named);
    sorted.sort(Comparator.comparingInt(ClientPart::partNumber));
    Optional<List<StoredPart>> stored = guard(() -> store.listParts(upload.key(), storeUploadId));
    if (stored.isPresent()) {
      List<StoredPart> parts = matchClientParts(upload, sorted, stored.get());
      long bytes = parts.stream().mapToLong(StoredPart::size).sum();
      if (bytes > settings.maxFileSize()) {
        quietly("abort the multipart upload of " + upload.id(),
            () -> store.abortMultipart(upload.key(), storeUploadId));
        // Remembered as removed: Uppy 5 aborts after the error, and is answered "cancelled".
        registry.removeIfPending(upload.id(), new Tombstone(upload.id(), upload.key(),
            clock.instant().plus(UploadService.TOMBSTONE_MINIMUM), false));
        forget(upload);
        throw new ApiException(ErrorCode.FILE_TOO_LARGE, "the parts hold "
            + ByteSize.format(bytes) + " but at most " + ByteSize.format(settings.maxFileSize())
            + " is allowed; the upload was cancelled");
      }
      guard(() -> store.completeMultipart(upload.key(), storeUploadId, parts,
          settings.writeOnce()));
    }
    return joined(upload, stored.isPresent());
  }

  private static List<StoredPart> matchClientParts(Upload upload, List<ClientPart> named,
      List<StoredPart> stored) {
    Map<Integer, StoredPart> byNumber = new HashMap<>();
    stored.forEach(p -> byNumber.put(p.partNumber(), p));
    List<StoredPart> parts = new ArrayList<>(named.size());
    int previous = 0;
    for (ClientPart part : named) {
      int n = part.partNumber();
      if (n < 1 || n > MAX_PART_NUMBER || n == previous) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, n == previous
            ? "part " + n + " is named twice"
            : "expected part numbers 1.." + MAX_PART_NUMBER + " but got " + n);
      }
      previous = n;
      StoredPart inStore = byNumber.get(n);
      if (inStore == null) {
        throw new ApiException(ErrorCode.NOT_UPLOADED, "part " + n + " of " + upload.id()
            + " is not in storage; upload it, then complete again");
      }
      if (!ClientPart.unquoted(inStore.etag()).equals(ClientPart.unquoted(part.etag()))) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "part " + n + " in storage has"
            + " another ETag than the one sent; upload it again, then complete");
      }
      parts.add(inStore);
    }
    for (int i = 0; i < parts.size() - 1; i++) {
      if (parts.get(i).size() < MIN_PART_SIZE) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "part " + parts.get(i).partNumber()
            + " holds " + ByteSize.format(parts.get(i).size()) + "; every part but the last"
            + " needs at least 5 MiB");
      }
    }
    return parts;
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

  /** After the upload completed: its record is no longer needed. */
  void forget(Upload upload) {
    if (recordsInBucket) {
      quietly("delete the multipart record of " + upload.id(), () -> records.delete(upload.id()));
    }
  }

  /**
   * An unfinished upload of {@code owner} that another instance (or this one before a restart)
   * signed, from its record in the bucket, now in the index too; empty when there is none.
   */
  Optional<Upload> findUnfinished(String owner, String id, Instant now) {
    if (!recordsInBucket) {
      return Optional.empty();
    }
    guard(() -> records.read(id))
        .filter(u -> u.owner().equals(owner) && u.expiresAt().isAfter(now))
        .ifPresent(u -> registry.addPending(u, Limits.globalOnly(settings.maxPending()), now));
    return registry.find(id);
  }

  /** See {@link UploadService#abortAbandonedMultipart}. */
  int abortAbandoned() {
    Instant before =
        clock.instant().minus(UploadService.MULTIPART_LIFETIME).minus(Duration.ofHours(1));
    List<OpenMultipart> abandoned = new ArrayList<>();
    store.forEachOpenMultipart(settings.keyPrefix(), open -> {
      if (open.initiated() != null && open.initiated().isBefore(before)) {
        abandoned.add(open);
      }
    });
    for (OpenMultipart open : abandoned) {
      store.abortMultipart(open.key(), open.uploadId());
    }
    if (recordsInBucket) {
      records.deleteMadeBefore(before);
    }
    return abandoned.size();
  }

  /** Aborts a multipart upload in the store (if it was started) and forgets its record. */
  void abort(Upload upload) {
    Optional<String> storeUploadId = upload.multipart().flatMap(MultipartPlan::storeUploadId);
    storeUploadId.ifPresent(id -> store.abortMultipart(upload.key(), id));
    if (recordsInBucket && (severalInstances || storeUploadId.isPresent())) {
      records.delete(upload.id());
    }
  }
}
