package dev.directupload.upload;

import static dev.directupload.upload.StoreCalls.guard;
import static dev.directupload.upload.StoreCalls.quietly;
import static dev.directupload.upload.StoreCalls.unavailable;

import dev.directupload.config.Settings;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The multipart side of the use cases: a large file's upload is started in the store and
 * recorded there, its parts are signed on request, checked against the plan and joined, and an
 * upload nobody finishes is aborted. {@link UploadService} finds the upload and checks the owner;
 * this class is handed the upload.
 */
final class MultipartUploads {
  private final Settings settings;
  private final ObjectStore store;
  private final UploadRegistry registry;
  private final UploadRules rules;
  private final MultipartRecords records;
  private final Clock clock;

  MultipartUploads(Settings settings, ObjectStore store, UploadRegistry registry,
      UploadRules rules, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.registry = registry;
    this.rules = rules;
    this.records = new MultipartRecords(store, settings.keyPrefix());
    this.clock = clock;
  }

  /**
   * Starts the multipart upload of a new pending upload: in the store, in the index and as a
   * record in the bucket, or none of them.
   */
  Upload start(String id, String owner, String key, String filename, String contentType,
      long size, Map<String, String> metadata, Instant now) {
    String storeUploadId = guard(() -> store.startMultipart(
        new MultipartSpec(key, contentType, metadata, settings.publicRead())));
    Upload upload = new Upload(id, owner, key, filename, contentType, size, Optional.empty(),
        now, now.plus(UploadService.MULTIPART_LIFETIME), Optional.empty(),
        Optional.of(MultipartPlan.of(storeUploadId, size, settings)));
    try {
      registry.addPending(upload, now);
    } catch (ApiException e) {
      quietly("abort the multipart upload of " + id, () -> abort(upload));
      throw e;
    }
    try {
      records.write(upload);
    } catch (StorageException e) {
      registry.remove(id);
      quietly("abort the multipart upload of " + id, () -> abort(upload));
      throw unavailable(e);
    }
    return upload;
  }

  /** See {@link UploadService#signParts}. */
  List<SignedPart> sign(Upload upload, List<PartRequest> parts) {
    MultipartPlan plan = planOf(upload);
    if (parts.isEmpty() || parts.size() > UploadService.MAX_PARTS_PER_REQUEST) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "expected 1 to "
          + UploadService.MAX_PARTS_PER_REQUEST + " parts per request but got " + parts.size());
    }
    List<PartSpec> specs = new ArrayList<>(parts.size());
    Set<Integer> seen = new HashSet<>();
    Duration expiry = settings.urlExpiry().compareTo(UploadService.MAX_PART_URL_EXPIRY) < 0
        ? settings.urlExpiry() : UploadService.MAX_PART_URL_EXPIRY;
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

  /** See {@link UploadService#storedParts}. */
  PartsInStore stored(Upload upload) {
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
   * Checks the stored parts against the plan and joins them into the object. The object may
   * already be there: a complete that was retried, or raced by another.
   */
  StoredObject join(Upload upload) {
    MultipartPlan plan = upload.multipart().orElseThrow();
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

  /** After the upload completed: its record is no longer needed. */
  void forget(Upload upload) {
    quietly("delete the multipart record of " + upload.id(), () -> records.delete(upload.id()));
  }

  /**
   * An unfinished upload of {@code owner} that another instance (or this one before a restart)
   * started, from its record in the bucket, now in the index too; empty when there is none.
   */
  Optional<Upload> findUnfinished(String owner, String id, Instant now) {
    guard(() -> records.read(id))
        .filter(u -> u.owner().equals(owner) && u.expiresAt().isAfter(now))
        .ifPresent(u -> registry.addPendingIfRoom(u, now));
    return registry.find(id);
  }

  /** Indexes every unfinished upload recorded in the bucket: a restart keeps them resumable. */
  void restoreUnfinished() {
    Instant now = clock.instant();
    records.forEach(upload -> {
      if (upload.expiresAt().isAfter(now) && registry.find(upload.id()).isEmpty()) {
        registry.addPendingIfRoom(upload, now);
      }
    });
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
    records.deleteMadeBefore(before);
    return abandoned.size();
  }

  /** Aborts a multipart upload in the store and forgets its record there. */
  void abort(Upload upload) {
    store.abortMultipart(upload.key(), upload.multipart().orElseThrow().storeUploadId());
    records.delete(upload.id());
  }
}
