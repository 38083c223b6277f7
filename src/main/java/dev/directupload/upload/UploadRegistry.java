package dev.directupload.upload;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The in-memory index of uploads: pending ones (signed, not yet verified) and completed ones
 * (verified in the store, listed). The bucket is the truth; this index is rebuilt from it at
 * start-up. Thread-safe: every change of one upload happens inside one atomic map operation, so
 * concurrent completes of the same id make exactly one transition.
 */
public final class UploadRegistry {
  private final int maxPending;
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
   * Changed in the same atomic {@code byId} operation as the entry itself.
   */
  private final ConcurrentNavigableMap<PendingKey, Upload> pendingByExpiry =
      new ConcurrentSkipListMap<>();
  private final AtomicInteger pending = new AtomicInteger();
  private final AtomicInteger completed = new AtomicInteger();
  /** Ids removed while a rebuild runs, so the rebuild cannot bring back what was just deleted. */
  private volatile Set<String> removedDuringRebuild;

  public UploadRegistry(int maxPending) {
    this.maxPending = maxPending;
  }

  public Optional<Upload> find(String id) {
    return Optional.ofNullable(byId.get(id));
  }

  /**
   * Adds a freshly signed upload. When the pending bound is reached, expired entries make room;
   * a live entry is never evicted: the caller gets {@link ErrorCode#TOO_MANY_PENDING} instead.
   */
  public void addPending(Upload upload, Instant now) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      expiredPending(now).forEach(u -> removeIfPending(u.id()));
      if (pending.incrementAndGet() > maxPending) {
        pending.decrementAndGet();
        throw new ApiException(ErrorCode.TOO_MANY_PENDING, "Too many uploads are in progress ("
            + maxPending + "); try again shortly.");
      }
    }
    boolean[] added = {false};
    byId.computeIfAbsent(upload.id(), id -> {
      pendingByExpiry.put(PendingKey.of(upload), upload);
      added[0] = true;
      return upload;
    });
    if (!added[0]) {
      pending.decrementAndGet();
      throw new IllegalStateException("Duplicate upload id " + upload.id());
    }
  }

  /**
   * Adds a pending upload another instance started (or one read back after a restart), unless
   * the index is full or has it already. Returns whether it was added.
   */
  public boolean addPendingIfRoom(Upload upload, Instant now) {
    try {
      addPending(upload, now);
      return true;
    } catch (ApiException | IllegalStateException e) {
      return false; // TOO_MANY_PENDING, or another thread added it first
    }
  }

  /**
   * Marks a pending upload completed at {@code at}; a completed one is returned unchanged. Empty
   * when the id is gone (deleted or expired meanwhile).
   */
  public Optional<Upload> markCompleted(String id, Instant at) {
    return Optional.ofNullable(byId.computeIfPresent(id, (key, current) -> {
      if (current.isCompleted()) {
        return current;
      }
      Upload done = current.completed(at);
      pendingByExpiry.remove(PendingKey.of(current));
      pending.decrementAndGet();
      listed(done.owner()).put(ListingKey.of(done), done);
      completed.incrementAndGet();
      return done;
    }));
  }

  /** Adds an upload found completed in the store (rebuild); false when the id is already known. */
  public boolean addCompleted(Upload upload) {
    if (!upload.isCompleted()) {
      throw new IllegalArgumentException("Not completed: " + upload.id());
    }
    Set<String> removed = removedDuringRebuild;
    if (removed != null && removed.contains(upload.id())) {
      return false;
    }
    boolean[] added = {false};
    byId.computeIfAbsent(upload.id(), id -> {
      listed(upload.owner()).put(ListingKey.of(upload), upload);
      completed.incrementAndGet();
      added[0] = true;
      return upload;
    });
    return added[0];
  }

  /** Removes the upload, pending or completed; empty when it was not there. */
  public Optional<Upload> remove(String id) {
    return removeMatching(id, u -> true);
  }

  /** Removes the upload only while it is still pending (expiry must not remove a completion). */
  public Optional<Upload> removeIfPending(String id) {
    return removeMatching(id, u -> !u.isCompleted());
  }

  private Optional<Upload> removeMatching(String id, Predicate<Upload> condition) {
    Upload[] removed = {null};
    byId.computeIfPresent(id, (key, current) -> {
      if (!condition.test(current)) {
        return current;
      }
      removed[0] = current;
      if (current.isCompleted()) {
        listed(current.owner()).remove(ListingKey.of(current));
        completed.decrementAndGet();
      } else {
        pendingByExpiry.remove(PendingKey.of(current));
        pending.decrementAndGet();
      }
      return null;
    });
    Set<String> tombstones = removedDuringRebuild;
    if (removed[0] != null && tombstones != null) {
      tombstones.add(id);
    }
    return Optional.ofNullable(removed[0]);
  }

  /** Pending uploads whose time ran out before {@code now}, soonest first; O(expired). */
  public List<Upload> expiredPending(Instant now) {
    // The smallest id sorts first, so this bound excludes exactly the entries expiring at now.
    return new ArrayList<>(pendingByExpiry.headMap(new PendingKey(now, ""), false).values());
  }

  /** Pending uploads matching {@code filter}, oldest first; O(pending), not O(registry). */
  public List<Upload> pending(Predicate<Upload> filter) {
    List<Upload> list = new ArrayList<>();
    for (Upload u : pendingByExpiry.values()) {
      if (filter.test(u)) {
        list.add(u);
      }
    }
    list.sort((a, b) -> a.createdAt().compareTo(b.createdAt()));
    return list;
  }

  /**
   * Up to {@code limit} of the owner's completed uploads, newest first, starting after the cursor
   * (empty: from the newest).
   */
  public FilePage page(String owner, int limit, Optional<String> cursor) {
    ConcurrentNavigableMap<ListingKey, Upload> all = completedByOwner.get(owner);
    if (all == null) {
      cursor.ifPresent(ListingKey::fromCursor); // a bad cursor is refused even on an empty list
      return new FilePage(List.of(), Optional.empty());
    }
    ConcurrentNavigableMap<ListingKey, Upload> from = cursor
        .map(c -> all.tailMap(ListingKey.fromCursor(c), false))
        .orElse(all);
    List<Upload> files = new ArrayList<>(Math.min(limit, 64));
    ListingKey last = null;
    boolean more = false;
    for (var entry : from.entrySet()) {
      if (files.size() == limit) {
        more = true;
        break;
      }
      files.add(entry.getValue());
      last = entry.getKey();
    }
    return new FilePage(files, more ? Optional.of(last.toCursor()) : Optional.empty());
  }

  private ConcurrentNavigableMap<ListingKey, Upload> listed(String owner) {
    return completedByOwner.computeIfAbsent(owner, o -> new ConcurrentSkipListMap<>());
  }

  public int pendingCount() {
    return pending.get();
  }

  public int completedCount() {
    return completed.get();
  }

  /** From now on, remember removed ids so a rebuild does not resurrect them. */
  void beginRebuild() {
    removedDuringRebuild = ConcurrentHashMap.newKeySet();
  }

  void endRebuild() {
    removedDuringRebuild = null;
  }

  /** Position among pending uploads: soonest expiry first, ties broken by id. */
  record PendingKey(Instant expiresAt, String id) implements Comparable<PendingKey> {
    static PendingKey of(Upload u) {
      return new PendingKey(u.expiresAt(), u.id());
    }

    @Override
    public int compareTo(PendingKey other) {
      int byTime = expiresAt.compareTo(other.expiresAt);
      return byTime != 0 ? byTime : id.compareTo(other.id);
    }
  }

  /** Position in the listing: newest completion first, ties broken by id. */
  record ListingKey(Instant completedAt, String id) implements Comparable<ListingKey> {
    static ListingKey of(Upload u) {
      return new ListingKey(u.completedAt().orElseThrow(), u.id());
    }

    @Override
    public int compareTo(ListingKey other) {
      int byTime = other.completedAt.compareTo(completedAt);
      return byTime != 0 ? byTime : id.compareTo(other.id);
    }

    /** Opaque to clients; base64url of "seconds.nanos:id". */
    String toCursor() {
      String raw = completedAt.getEpochSecond() + "." + completedAt.getNano() + ":" + id;
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    static ListingKey fromCursor(String cursor) {
      try {
        String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int colon = raw.indexOf(':');
        int dot = raw.indexOf('.');
        String id = raw.substring(colon + 1);
        if (dot < 0 || colon < dot || !UploadIds.isWellFormed(id)) {
          throw new IllegalArgumentException(raw);
        }
        Instant at = Instant.ofEpochSecond(Long.parseLong(raw.substring(0, dot)),
            Long.parseLong(raw.substring(dot + 1, colon)));
        return new ListingKey(at, id);
      } catch (RuntimeException e) {
        throw new ApiException(ErrorCode.INVALID_REQUEST,
            "cursor is not one this server issued; use nextCursor from a previous page");
      }
    }
  }
}
