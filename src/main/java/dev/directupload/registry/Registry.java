package dev.directupload.registry;

import dev.directupload.events.Event;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the application knows about uploads: pending ones (signed, not yet verified), completed
 * ones (verified in the store, listed), and recently removed ones (so nothing brings them back).
 * The use cases speak only to this port; {@link MemoryRegistry} (the default, rebuilt from the
 * bucket) and the PostgreSQL registry implement it.
 *
 * <p>Every change of one upload is atomic: however many threads or instances complete or remove
 * the same id at once, exactly one transition happens and every caller sees its result.
 */
public interface Registry {

  /** The upload with this id, pending or completed; empty when unknown or removed. */
  Optional<Upload> find(String id);

  /**
   * True when an upload this registry does not know exists nowhere, as with a database that
   * every instance shares once it holds the bucket's files: a miss needs no look in the bucket.
   */
  boolean knowsEveryUpload();

  /**
   * True when the registry outlives this instance and every instance shares it (a database):
   * then nothing about uploads needs recording in the bucket for others or for a restart.
   */
  default boolean isShared() {
    return false;
  }

  /**
   * Adds a freshly signed upload if {@code limits} allow it, checking and reserving in one step:
   * two concurrent presigns cannot both take the last place. A live entry is never evicted;
   * expired ones may make room.
   */
  Admission addPending(Upload upload, Limits limits, Instant now);

  /**
   * Records that the pending multipart upload {@code id} was started in the store as
   * {@code started}, unless it was started meanwhile. Returns the upload as it now stands (whose
   * plan tells which start won), or empty when it is gone or complete.
   */
  Optional<Upload> startMultipart(String id, MultipartPlan started, Instant newExpiry);

  /** For {@link #markCompleted}: the size signed was the object's exact size. */
  long SIZE_AS_SIGNED = -1;

  /**
   * Marks a pending upload completed at {@code at}, with the object's ETag and its size (or
   * {@link #SIZE_AS_SIGNED}: an upload whose size was not known when it was signed takes the
   * object's here, and its owner's usage moves by it), and records {@code events} with the change
   * if and only if this call makes it: durably, before it returns. A completed upload is
   * returned unchanged (nothing recorded); empty when the id is gone (removed or expired
   * meanwhile). When the events cannot be recorded, it throws and nothing changed.
   */
  Changed markCompleted(String id, Instant at, Optional<String> etag, long size,
      List<Event> events);

  /** {@link #markCompleted(String, Instant, Optional, long, List)}, size as signed, no events. */
  default Optional<Upload> markCompleted(String id, Instant at, Optional<String> etag) {
    return markCompleted(id, at, etag, SIZE_AS_SIGNED, List.of()).upload();
  }

  /**
   * Adds an upload found completed in the store (a rebuild, another instance's completion);
   * false when the id is already known or was removed.
   */
  boolean addCompleted(Upload upload);

  /**
   * Removes the upload, pending or completed, and remembers the id until
   * {@code tombstone.until()} (null: nothing to remember, no URL can write the object any more);
   * {@code events} are recorded with the removal as {@link #markCompleted} records them. The
   * upload is empty when it was not there.
   */
  Changed remove(String id, Tombstone tombstone, List<Event> events);

  /** {@link #remove(String, Tombstone, List)} with no events. */
  default Optional<Upload> remove(String id, Tombstone tombstone) {
    return remove(id, tombstone, List.of()).upload();
  }

  /** As {@link #remove}, only while the upload is still pending (expiry must not undo a completion). */
  Changed removeIfPending(String id, Tombstone tombstone, List<Event> events);

  /** {@link #removeIfPending(String, Tombstone, List)} with no events. */
  default Optional<Upload> removeIfPending(String id, Tombstone tombstone) {
    return removeIfPending(id, tombstone, List.of()).upload();
  }

  /** True while the id is remembered as removed. */
  boolean isRemoved(String id);

  /** Tombstones whose time ran out before {@code now}, at most {@code max}, soonest first. */
  List<Tombstone> expiredTombstones(Instant now, int max);

  /** Forgets an expired tombstone once its key was looked at. */
  void forgetTombstone(String id);

  /** Pending uploads whose time ran out before {@code now}, at most {@code max}, soonest first. */
  List<Upload> expiredPending(Instant now, int max);

  /** The owner's pending uploads, oldest first. */
  List<Upload> pending(String owner);

  /**
   * Up to {@code limit} of the owner's completed uploads, newest first, starting after the
   * cursor (empty: from the newest). Throws {@link BadCursorException} for a cursor this server
   * did not issue.
   */
  FilePage page(String owner, int limit, Optional<String> cursor);

  /** What the owner holds, for quotas. */
  Usage usage(String owner);

  int completedCount();

  int pendingCount();
}
