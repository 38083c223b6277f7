package dev.directupload.upload;

import dev.directupload.config.Settings;
import dev.directupload.registry.Checkpoint;
import dev.directupload.registry.CheckpointStore;
import dev.directupload.registry.Limits;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Tombstone;
import dev.directupload.registry.Upload;
import dev.directupload.storage.ListedObject;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fills the in-memory registry from the bucket after a start, without a request per file: the
 * newest checkpoint (one GET) says what each file's object was when it was taken, and a listing of
 * the key prefix (one call per thousand objects, in up to {@link #LIST_PARALLELISM} key ranges at
 * once) says what is there now. An object listed with the size, ETag and time its checkpoint
 * entry recorded is that entry; only the others are read one by one (HeadObject): files completed
 * since the checkpoint, or by another instance, or never completed. Entries whose object is not
 * listed were deleted since, and are dropped.
 *
 * <p>The bucket stays the truth: a checkpoint that is missing, old, cut short or altered costs
 * HeadObject calls, never a file listed that is not there or a listed file left out. The app
 * answers while this runs ({@link #isLoading}); an upload asked for before the listing reached
 * it is recalled from the checkpoint with one HeadObject.
 *
 * <p>Checkpoints are written after a load that had to read many objects one by one, and then
 * every {@code checkpoint-interval} when something changed and no instance over the bucket wrote
 * one meanwhile.
 */
public final class BucketIndex implements IndexSource {
  private static final System.Logger LOG = System.getLogger(BucketIndex.class.getName());
  /** Key ranges listed at once: enough to hide a region's latency, polite to the store. */
  static final int LIST_PARALLELISM = 8;
  /** HeadObject calls in flight for objects the checkpoint does not vouch for. */
  static final int HEAD_PARALLELISM = 8;
  /** A range is worth listing on its own from this many checkpoint entries. */
  static final int ENTRIES_PER_RANGE = 10_000;

  private final Settings settings;
  private final ObjectStore store;
  private final MemoryRegistry registry;
  private final Clock clock;
  private final StoredUploads storedUploads;
  private final CheckpointStore checkpoints;
  private final DeletionRecords deletions;
  private final MultipartRecords multipartRecords;

  private volatile boolean loading = true;
  private volatile Optional<String> problem = Optional.empty();
  /** The checkpoint's entries by id while loading, for {@link #recall}; empty otherwise. */
  private volatile Map<String, Upload> recallable = Map.of();
  /** The registry's change count when the last checkpoint was written (or read), -1 if none. */
  private volatile long checkpointedChanges = -1;

  /** What one load did, for the log and the benchmark. */
  public record Outcome(int listed, int fromCheckpoint, int readOneByOne, boolean checkpointRead,
      boolean checkpointWritten, Duration took) {}

  public BucketIndex(Settings settings, ObjectStore store, MemoryRegistry registry, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.registry = registry;
    this.clock = clock;
    this.storedUploads = new StoredUploads(new UploadRules(settings));
    this.checkpoints = new CheckpointStore(store, settings.keyPrefix());
    this.deletions = new DeletionRecords(store, settings.keyPrefix());
    this.multipartRecords = new MultipartRecords(store, settings.keyPrefix());
  }

  @Override
  public boolean isLoading() {
    return loading;
  }

  @Override
  public Optional<String> problem() {
    return problem;
  }

  @Override
  public Optional<Upload> recall(String id) {
    Upload entry = recallable.get(id);
    if (entry == null) {
      return Optional.empty();
    }
    Optional<StoredObject> object = StoreCalls.guard(() -> store.head(entry.key()));
    if (object.isPresent() && sameObject(entry, object.get().size(), object.get().etag(),
        object.get().lastModified())) {
      registry.addCompleted(entry);
    }
    return registry.find(id).filter(Upload::isCompleted);
  }

  /**
   * Reads the bucket into the registry; throws {@link StorageException} when the store fails
   * (what was read stays, and the caller tries again).
   */
  @Override
  public void load() {
    loadAndSay();
  }

  /** {@link #load}, and what it did. */
  public Outcome loadAndSay() {
    long start = System.nanoTime();
    loading = true;
    try {
      Outcome outcome = loadOnce(start);
      problem = Optional.empty();
      loading = false;
      recallable = Map.of();
      return outcome;
    } catch (StorageException e) {
      problem = Optional.of(e.getMessage());
      throw e;
    }
  }

  private Outcome loadOnce(long start) {
    Instant now = clock.instant();
    for (Tombstone t : deletions.all()) {
      registry.remove(t.id(), t);
    }
    Optional<Checkpoint> checkpoint = checkpoints.newest();
    List<Upload> entries = checkpoint.map(Checkpoint::completed).orElse(List.of());
    checkpoint.ifPresent(c -> c.tombstones().stream().filter(t -> t.until().isAfter(now))
        .forEach(t -> registry.remove(t.id(), t)));
    Map<String, Upload> byId = new HashMap<>(entries.size() * 4 / 3 + 1);
    entries.forEach(e -> byId.put(e.id(), e));
    recallable = byId;

    List<Range> ranges = ranges(entries);
    ExecutorService pool = Executors.newFixedThreadPool(
        Math.max(ranges.size(), HEAD_PARALLELISM), daemons());
    try {
      List<CompletableFuture<RangeResult>> listings = new ArrayList<>();
      for (Range range : ranges) {
        listings.add(CompletableFuture.supplyAsync(() -> listRange(range), pool));
      }
      int listed = 0;
      int trusted = 0;
      List<String> changed = new ArrayList<>();
      List<CompletableFuture<Void>> heads = new ArrayList<>();
      for (CompletableFuture<RangeResult> listing : listings) {
        RangeResult result = StoreCalls.join(listing);
        listed += result.listed;
        trusted += result.trusted;
        changed.addAll(result.changed);
        for (String key : result.toRead) {
          heads.add(CompletableFuture.runAsync(() -> readOne(key), pool));
        }
      }
      heads.forEach(StoreCalls::join);
      if (!changed.isEmpty()) {
        LOG.log(System.Logger.Level.WARNING, changed.size() + " object(s) have another size or"
            + " ETag than when they were verified, and are not listed: "
            + String.join(", ", changed.subList(0, Math.min(10, changed.size())))
            + (changed.size() > 10 ? ", …" : ""));
      }
      restoreUnfinishedMultipart(now);
      // Worth a checkpoint when objects had to be read one by one and the next start would
      // read them again: none could be read, it is old, or many files are newer than it.
      boolean stale = !heads.isEmpty() && (checkpoint.isEmpty()
          || checkpoint.get().takenAt().isBefore(now.minus(interval()))
          || heads.size() > Math.max(1000, listed / 100));
      boolean written = false;
      if (!stale) {
        checkpointedChanges = registry.changeCount();
      } else if (!interval().isZero()) {
        written = writeCheckpoint();
      }
      Outcome outcome = new Outcome(listed, trusted, heads.size(), checkpoint.isPresent(),
          written, Duration.ofNanos(System.nanoTime() - start));
      LOG.log(System.Logger.Level.INFO, "Indexed " + registry.completedCount() + " file(s) from "
          + listed + " object(s) in " + outcome.took().toMillis() + " ms: " + trusted
          + " from the checkpoint" + (checkpoint.isPresent() ? " of "
          + checkpoint.get().takenAt() : " (none could be read: every object was read)")
          + ", " + heads.size() + " read one by one" + (written ? "; checkpoint written" : ""));
      return outcome;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The key ranges to list at once, split at checkpoint keys; one range without a checkpoint. */
  private List<Range> ranges(List<Upload> entries) {
    int count = Math.max(1, Math.min(LIST_PARALLELISM, entries.size() / ENTRIES_PER_RANGE));
    List<Range> ranges = new ArrayList<>(count);
    String after = "";
    int from = 0;
    for (int i = 1; i <= count; i++) {
      int to = i == count ? entries.size() : (int) ((long) entries.size() * i / count);
      String last = i == count ? null : entries.get(to - 1).key();
      ranges.add(new Range(after, last, entries.subList(from, to)));
      after = last;
      from = to;
    }
    return ranges;
  }

  /** Keys after {@code after} up to and including {@code last} (null: to the end). */
  private record Range(String after, String last, List<Upload> entries) {}

  private static final class RangeResult {
    int listed;
    int trusted;
    final List<String> toRead = new ArrayList<>();
    final List<String> changed = new ArrayList<>();
  }

  /** Lists one range and walks its checkpoint entries beside it, both in key order. */
  private RangeResult listRange(Range range) {
    RangeResult result = new RangeResult();
    String records = settings.keyPrefix() + ".";
    int[] next = {0};
    store.forEachListed(settings.keyPrefix(), range.after(), range.last(), object -> {
      if (object.key().startsWith(records)) {
        return; // the application's own records, not files
      }
      result.listed++;
      List<Upload> entries = range.entries();
      while (next[0] < entries.size() && entries.get(next[0]).key().compareTo(object.key()) < 0) {
        next[0]++; // an entry whose object is gone: deleted since the checkpoint
      }
      if (next[0] < entries.size() && entries.get(next[0]).key().equals(object.key())) {
        Upload entry = entries.get(next[0]++);
        if (sameObject(entry, object)) {
          if (registry.addCompleted(entry)) {
            result.trusted++;
          }
        } else if (otherBytes(entry, object)) {
          // Written again after it was verified: not served as the file it was. Kept in the
          // bucket for an operator to look at (a backup restored by copy would change ETags of
          // every object; deleting them all is not for a start-up to decide).
          result.changed.add(object.key());
        } else {
          result.toRead.add(object.key()); // the same bytes, stored again: read its headers
        }
      } else if (!registry.find(idOf(object.key())).filter(Upload::isCompleted).isPresent()) {
        result.toRead.add(object.key());
      }
    });
    return result;
  }

  /**
   * An object read one by one: listed when it is an upload of ours and was stored with no
   * header that changes how it is served (what HeadObject tells; its metadata is what it says it
   * is, and content and grants were checked when it was completed).
   */
  private void readOne(String key) {
    Optional<StoredObject> object = store.head(key);
    if (object.isEmpty()) {
      return; // deleted between the listing and now
    }
    Optional<Upload> upload = storedUploads.upload(object.get());
    if (upload.isEmpty()) {
      return; // not written through this application
    }
    if (ObjectChecks.unsignedServingHeaders(upload.get().contentType(),
        object.get().servingHeaders()).isPresent()) {
      LOG.log(System.Logger.Level.WARNING, "Not listing " + key + ": it was stored with headers"
          + " that were not signed (" + object.get().servingHeaders().keySet() + ")");
      return;
    }
    registry.addCompleted(upload.get());
  }

  /** Unfinished multipart uploads recorded in the bucket: a restart keeps them resumable. */
  private void restoreUnfinishedMultipart(Instant now) {
    Limits bound = Limits.globalOnly(settings.maxPending());
    multipartRecords.forEach(upload -> {
      if (upload.expiresAt().isAfter(now) && registry.find(upload.id()).isEmpty()) {
        registry.addPending(upload, bound, now);
      }
    });
  }

  /**
   * Writes a checkpoint when the registry changed since the last one and no instance over the
   * bucket wrote one within {@code checkpoint-interval}; returns whether it wrote one.
   */
  @Override
  public boolean checkpointIfDue() {
    if (loading || interval().isZero() || registry.changeCount() == checkpointedChanges) {
      return false;
    }
    Optional<Instant> newest = checkpoints.newestTime();
    Instant now = clock.instant();
    if (newest.isPresent() && newest.get().isAfter(now.minus(interval()))) {
      return false; // another instance wrote one recently: no need for two
    }
    return writeCheckpoint();
  }

  private boolean writeCheckpoint() {
    MemoryRegistry.Snapshot snapshot = registry.snapshot();
    Instant now = clock.instant();
    List<Tombstone> live = snapshot.tombstones().stream()
        .filter(t -> t.until().isAfter(now)).toList();
    checkpoints.write(new Checkpoint(now, settings.keyPrefix(), snapshot.completed(), live));
    checkpointedChanges = snapshot.changeCount();
    return true;
  }

  private Duration interval() {
    return settings.checkpointInterval();
  }

  private static boolean sameObject(Upload entry, ListedObject object) {
    return sameObject(entry, object.size(), object.etag(), object.lastModified());
  }

  /** Other bytes than the checkpoint recorded: another size, or another ETag. */
  private static boolean otherBytes(Upload entry, ListedObject object) {
    return entry.size() != object.size() || (entry.etag().isPresent()
        && object.etag().isPresent() && !entry.etag().equals(object.etag()));
  }

  /**
   * What the checkpoint recorded is what the store describes: the same object. Times are
   * compared to the second: HeadObject's {@code Last-Modified} has no more, a listing may.
   */
  private static boolean sameObject(Upload entry, long size, Optional<String> etag,
      Instant lastModified) {
    return entry.size() == size && entry.etag().isPresent() && entry.etag().equals(etag)
        && entry.completedAt().orElseThrow().truncatedTo(ChronoUnit.SECONDS)
            .equals(lastModified.truncatedTo(ChronoUnit.SECONDS));
  }

  /** "uploads/alice/2026/01/01/<id>/a.txt" → "<id>": the segment before the name. */
  static String idOf(String key) {
    int end = key.lastIndexOf('/');
    return key.substring(key.lastIndexOf('/', end - 1) + 1, Math.max(end, 0));
  }

  private static java.util.concurrent.ThreadFactory daemons() {
    return r -> {
      Thread t = new Thread(r, "direct-upload-index");
      t.setDaemon(true);
      return t;
    };
  }
}
