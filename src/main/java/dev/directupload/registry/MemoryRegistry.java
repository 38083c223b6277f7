package dev.directupload.registry;

import dev.directupload.events.Delivery;
import dev.directupload.events.Event;
import dev.directupload.events.EventRecorder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * The registry in this JVM's heap: the default, with no database to run. The bucket is the
 * truth; this index is rebuilt from it at start-up. Every change of one upload happens inside
 * one atomic operation on its id, so concurrent completes of the same id make exactly one
 * transition; the counts that limits and quotas read are changed in the same operation.
 *
 * <p>A change that carries events records them first (in the bucket's outbox) and changes the
 * heap second, both under a lock of the upload's id: the events are durable before anyone hears
 * of the change, and a change that cannot record them does not happen.
 */
public final class MemoryRegistry implements Registry {
  private static final int STRIPES = 64;

  private final EventRecorder recorder;
  private final Object[] stripes = new Object[STRIPES];
  private final Map<String, Upload> byId = new ConcurrentHashMap<>();
  /**
   * Each owner's completed uploads, newest first: a page is a walk from a cursor through the
   * owner's own files, never a sort or a scan of everyone's.
   */
  private final Map<String, ConcurrentNavigableMap<ListingKey, Upload>> completedByOwner =
      new ConcurrentHashMap<>();
  /**
   * Pending uploads by expiry, soonest first: expiring them walks only the expired ones, and
   * listing someone's pending uploads walks only pending ones, never the completed millions.
   */
  private final ConcurrentNavigableMap<PendingKey, Upload> pendingByExpiry =
      new ConcurrentSkipListMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  private final AtomicLong changes = new AtomicLong();
  /** What each owner holds, for quotas; values are replaced atomically per owner. */
  private final Map<String, Usage> usageByOwner = new ConcurrentHashMap<>();
  /** Pending uploads per client; an entry is dropped when it reaches zero. */
  private final Map<String, Integer> pendingByClient = new ConcurrentHashMap<>();
  private final Map<String, Tombstone> tombstones = new ConcurrentHashMap<>();
  private final ConcurrentNavigableMap<PendingKey, Tombstone> tombstonesByExpiry =
      new ConcurrentSkipListMap<>();

  /** A registry whose changes carry no events. */
  public MemoryRegistry() {
    this(EventRecorder.NONE);
  }

  public MemoryRegistry(EventRecorder recorder) {
    this.recorder = recorder;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Object();
    }
  }

  @Override
  public Optional<Upload> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /** Other instances over the same bucket may know uploads this heap has not heard of yet. */
  @Override
  public boolean knowsEveryUpload() {
    return false;
  }

  @Override
  public Admission addPending(Upload upload, Limits limits, Instant now) {
    if (pending.incrementAndGet() > limits.maxPending()) {
      pending.decrementAndGet();
      // Expired entries make room; a live one is never evicted.
      expiredPending(now, Integer.MAX_VALUE).forEach(u -> removeMatching(u.id(),
          current -> !current.isCompleted(), null));
      if (pending.incrementAndGet() > limits.maxPending()) {
        pending.decrementAndGet();
        return Admission.FULL;
      }
    }
    Admission[] verdict = {Admission.ADMITTED};
    pendingByClient.compute(upload.client(), (client, count) -> {
      int n = count == null ? 0 : count;
      if (n >= limits.maxPendingPerClient()) {
        verdict[0] = Admission.CLIENT_FULL;
        return count;
      }
      return n + 1;
    });
    if (verdict[0] == Admission.ADMITTED) {
      usageByOwner.compute(upload.owner(), (owner, usage) -> {
        Usage u = usage == null ? Usage.NONE : usage;
        if (limits.quotaBytes() > 0 && u.bytes() + upload.size() > limits.quotaBytes()) {
          verdict[0] = Admission.OVER_QUOTA_BYTES;
          return usage;
        }
        if (limits.quotaFiles() > 0 && u.files() + 1 > limits.quotaFiles()) {
          verdict[0] = Admission.OVER_QUOTA_FILES;
          return usage;
        }
        return new Usage(u.completedFiles(), u.completedBytes(), u.pendingFiles() + 1,
            u.pendingBytes() + upload.size());
      });
      if (verdict[0] != Admission.ADMITTED) {
        releaseClient(upload.client());
      }
    }
    if (verdict[0] != Admission.ADMITTED) {
      pending.decrementAndGet();
      return verdict[0];
    }
    boolean[] added = {false};
    byId.computeIfAbsent(upload.id(), id -> {
      pendingByExpiry.put(PendingKey.of(upload), upload);
      added[0] = true;
      return upload;
    });
    if (!added[0]) {
      pending.decrementAndGet();
      releaseClient(upload.client());
      changeUsage(upload.owner(), 0, 0, -1, -upload.size());
      return Admission.ALREADY_KNOWN;
    }
    return Admission.ADMITTED;
  }

  @Override
  public Optional<Upload> startMultipart(String id, MultipartPlan started, Instant newExpiry) {
    return Optional.ofNullable(byId.computeIfPresent(id, (key, current) -> {
      if (current.isCompleted() || current.multipart().isEmpty()
          || current.multipart().get().isStarted()) {
        return current;
      }
      Upload next = current.withMultipart(started, newExpiry);
      pendingByExpiry.remove(PendingKey.of(current));
      pendingByExpiry.put(PendingKey.of(next), next);
      return next;
    })).filter(u -> !u.isCompleted());
  }

  @Override
  public Changed markCompleted(String id, Instant at, Optional<String> etag, long size,
      List<Event> events) {
    if (events.isEmpty()) {
      return Changed.nothing(complete(id, at, etag, size));
    }
    synchronized (stripe(id)) {
      Upload current = byId.get(id);
      if (current == null || current.isCompleted()) {
        return Changed.nothing(Optional.ofNullable(current));
      }
      List<Delivery> recorded = record(events);
      return new Changed(complete(id, at, etag, size), recorded);
    }
  }

  private Optional<Upload> complete(String id, Instant at, Optional<String> etag, long size) {
    return Optional.ofNullable(byId.computeIfPresent(id, (key, current) -> {
      if (current.isCompleted()) {
        return current;
      }
      Upload done = current.completed(at, etag);
      if (size != SIZE_AS_SIGNED) {
        done = done.withSize(size);
      }
      pendingByExpiry.remove(PendingKey.of(current));
      pending.decrementAndGet();
      releaseClient(current.client());
      changeUsage(current.owner(), 1, done.size(), -1, -current.size());
      listed(done.owner()).put(ListingKey.of(done), done);
      completed.incrementAndGet();
      changes.incrementAndGet();
      return done;
    }));
  }

  @Override
  public boolean addCompleted(Upload upload) {
    if (!upload.isCompleted()) {
      throw new IllegalArgumentException("Not completed: " + upload.id());
    }
    boolean[] added = {false};
    // The tombstone is checked under the same lock as removal records it: a file deleted while
    // a rebuild reads it back stays deleted.
    byId.computeIfAbsent(upload.id(), id -> {
      if (tombstones.containsKey(id)) {
        return null;
      }
      listed(upload.owner()).put(ListingKey.of(upload), upload);
      completed.incrementAndGet();
      changes.incrementAndGet();
      changeUsage(upload.owner(), 1, upload.size(), 0, 0);
      added[0] = true;
      return upload;
    });
    return added[0];
  }

  @Override
  public Changed remove(String id, Tombstone tombstone, List<Event> events) {
    return removeRecording(id, u -> true, tombstone, events);
  }

  @Override
  public Changed removeIfPending(String id, Tombstone tombstone, List<Event> events) {
    return removeRecording(id, u -> !u.isCompleted(), tombstone, events);
  }

  private Changed removeRecording(String id, Predicate<Upload> condition, Tombstone tombstone,
      List<Event> events) {
    if (events.isEmpty()) {
      return Changed.nothing(removeMatching(id, condition, tombstone));
    }
    synchronized (stripe(id)) {
      Upload current = byId.get(id);
      if (current == null || !condition.test(current)) {
        // Nothing to remove: an absent id is still remembered, as without events.
        return Changed.nothing(removeMatching(id, condition, tombstone));
      }
      List<Delivery> recorded = record(events);
      return new Changed(removeMatching(id, condition, tombstone), recorded);
    }
  }

  private List<Delivery> record(List<Event> events) {
    List<Delivery> recorded = new ArrayList<>(events.size());
    for (Event event : events) {
      recorded.add(recorder.record(event));
    }
    return recorded;
  }

  private Object stripe(String id) {
    return stripes[Math.floorMod(id.hashCode(), STRIPES)];
  }

  /**
   * Removes the upload if {@code condition} holds and, when a tombstone is given, remembers the
   * id: also when the upload was not here (another instance's deletion of a file this one has
   * not read yet must not come back either).
   */
  private Optional<Upload> removeMatching(String id, Predicate<Upload> condition,
      Tombstone tombstone) {
    Upload[] removed = {null};
    byId.compute(id, (key, current) -> {
      if (current != null && !condition.test(current)) {
        return current;
      }
      if (current != null) {
        removed[0] = current;
        unindex(current);
      }
      if (tombstone != null) {
        remember(tombstone);
      }
      return null;
    });
    return Optional.ofNullable(removed[0]);
  }

  private void unindex(Upload current) {
    if (current.isCompleted()) {
      listed(current.owner()).remove(ListingKey.of(current));
      completed.decrementAndGet();
      changes.incrementAndGet();
      changeUsage(current.owner(), -1, -current.size(), 0, 0);
    } else {
      pendingByExpiry.remove(PendingKey.of(current));
      pending.decrementAndGet();
      releaseClient(current.client());
      changeUsage(current.owner(), 0, 0, -1, -current.size());
    }
  }

  /** Keeps the later of two tombstones of one id; rare (removals), so one lock will do. */
  private void remember(Tombstone tombstone) {
    synchronized (tombstones) {
      Tombstone old = tombstones.get(tombstone.id());
      Tombstone kept = tombstone;
      if (old != null) {
        tombstonesByExpiry.remove(new PendingKey(old.until(), old.id()));
        Tombstone later = tombstone.until().isAfter(old.until()) ? tombstone : old;
        kept = new Tombstone(later.id(), later.key(), later.until(),
            old.checkObject() || tombstone.checkObject());
      }
      tombstones.put(kept.id(), kept);
      tombstonesByExpiry.put(new PendingKey(kept.until(), kept.id()), kept);
      changes.incrementAndGet();
    }
  }

  @Override
  public boolean isRemoved(String id) {
    return tombstones.containsKey(id);
  }

  @Override
  public List<Tombstone> expiredTombstones(Instant now, int max) {
    return firstBefore(tombstonesByExpiry, now, max);
  }

  @Override
  public void forgetTombstone(String id) {
    synchronized (tombstones) {
      Tombstone gone = tombstones.remove(id);
      if (gone != null) {
        tombstonesByExpiry.remove(new PendingKey(gone.until(), gone.id()));
      }
    }
  }

  @Override
  public List<Upload> expiredPending(Instant now, int max) {
    return firstBefore(pendingByExpiry, now, max);
  }

  /**
   * Up to {@code max} values whose time is before {@code now}, soonest first; O(what is
   * returned). The smallest id sorts first, so the bound leaves out exactly those at {@code now}.
   */
  private static <T> List<T> firstBefore(ConcurrentNavigableMap<PendingKey, T> byTime,
      Instant now, int max) {
    List<T> found = new ArrayList<>();
    for (T value : byTime.headMap(new PendingKey(now, ""), false).values()) {
      if (found.size() == max) {
        break;
      }
      found.add(value);
    }
    return found;
  }

  /** O(pending), never O(registry). */
  @Override
  public List<Upload> pending(String owner) {
    List<Upload> list = new ArrayList<>();
    for (Upload u : pendingByExpiry.values()) {
      if (u.owner().equals(owner)) {
        list.add(u);
      }
    }
    list.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
    return list;
  }

  @Override
  public FilePage page(String owner, int limit, Optional<String> cursor) {
    Optional<ListingCursor> after = cursor.map(ListingCursor::decode);
    ConcurrentNavigableMap<ListingKey, Upload> all = completedByOwner.get(owner);
    if (all == null) {
      return new FilePage(List.of(), Optional.empty());
    }
    ConcurrentNavigableMap<ListingKey, Upload> from = after
        .map(c -> all.tailMap(new ListingKey(c.completedAt(), c.id()), false))
        .orElse(all);
    List<Upload> files = new ArrayList<>(Math.min(limit, 64));
    boolean more = false;
    for (Upload u : from.values()) {
      if (files.size() == limit) {
        more = true;
        break;
      }
      files.add(u);
    }
    return new FilePage(files, more
        ? Optional.of(ListingCursor.of(files.get(files.size() - 1)).encode())
        : Optional.empty());
  }

  /**
   * What a checkpoint holds: every completed upload sorted by key (the order a listing returns
   * them), every tombstone, and the count of changes so far, so the caller can tell whether
   * anything changed since the last checkpoint.
   */
  public Snapshot snapshot() {
    long at = changes.get();
    List<Upload> all = new ArrayList<>(completed.get() + 16);
    for (Upload u : byId.values()) {
      if (u.isCompleted()) {
        all.add(u);
      }
    }
    all.sort((a, b) -> a.key().compareTo(b.key()));
    return new Snapshot(at, all, List.copyOf(tombstones.values()));
  }

  /** See {@link #snapshot}. */
  public record Snapshot(long changeCount, List<Upload> completed, List<Tombstone> tombstones) {}

  /** Changes of completed files and tombstones so far: what a checkpoint would miss. */
  public long changeCount() {
    return changes.get();
  }

  @Override
  public Usage usage(String owner) {
    return usageByOwner.getOrDefault(owner, Usage.NONE);
  }

  @Override
  public int pendingCount() {
    return pending.get();
  }

  @Override
  public int completedCount() {
    return completed.get();
  }

  private ConcurrentNavigableMap<ListingKey, Upload> listed(String owner) {
    return completedByOwner.computeIfAbsent(owner, o -> new ConcurrentSkipListMap<>());
  }

  private void releaseClient(String client) {
    pendingByClient.computeIfPresent(client, (c, n) -> n <= 1 ? null : n - 1);
  }

  private void changeUsage(String owner, long files, long bytes, long pendingFiles,
      long pendingBytes) {
    usageByOwner.compute(owner, (o, usage) -> {
      Usage u = usage == null ? Usage.NONE : usage;
      Usage next = new Usage(u.completedFiles() + files, u.completedBytes() + bytes,
          u.pendingFiles() + pendingFiles, u.pendingBytes() + pendingBytes);
      return next.equals(Usage.NONE) ? null : next;
    });
  }

  /** Position among pending uploads (and tombstones): soonest first, ties broken by id. */
  record PendingKey(Instant at, String id) implements Comparable<PendingKey> {
    static PendingKey of(Upload u) {
      return new PendingKey(u.expiresAt(), u.id());
    }

    @Override
    public int compareTo(PendingKey other) {
      int byTime = at.compareTo(other.at);
      return byTime != 0 ? byTime : id.compareTo(other.id);
    }
  }

  /** Position in the listing: the order of {@link ListingCursor}. */
  record ListingKey(Instant completedAt, String id) implements Comparable<ListingKey> {
    static ListingKey of(Upload u) {
      return new ListingKey(u.completedAt().orElseThrow(), u.id());
    }

    @Override
    public int compareTo(ListingKey other) {
      return ListingCursor.compare(completedAt, id, other.completedAt, other.id);
    }
  }
}
