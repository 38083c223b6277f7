package dev.directupload.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.events.Event;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What every registry promises, whichever holds it: pending uploads bounded in all and per
 * client, quotas counted over completed and pending uploads, completed ones paged newest first,
 * removed ones remembered, and one upload changing state exactly once however many threads
 * change it. Each implementation runs these tests through its own subclass.
 */
abstract class RegistryContract {
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final Limits ROOMY = new Limits(100_000, 100_000, 0, 0);

  /** A fresh, empty registry. */
  abstract Registry registry();

  /** How many uploads the concurrency test churns through (a database is slower than a heap). */
  int churn() {
    return 16_000;
  }

  static Upload pending(String id, Instant expiresAt) {
    return pending(id, "anonymous", "address:1.2.3.4", 1, expiresAt);
  }

  static Upload pending(String id, String owner, String client, long size, Instant expiresAt) {
    return new Upload(id, owner, client, "uploads/" + id + "/f.txt", "f.txt", "text/plain", size,
        Optional.empty(), Map.of(), T0, expiresAt, Optional.empty(), Optional.empty(),
        Optional.empty());
  }

  static String id(int n) {
    return String.format("id%020d", n);
  }

  static Tombstone tombstone(String id, Instant until) {
    return new Tombstone(id, "uploads/" + id + "/f.txt", until, false);
  }

  private static List<String> ids(FilePage page) {
    return page.files().stream().map(Upload::id).toList();
  }

  private static List<String> ids(List<Upload> uploads) {
    return uploads.stream().map(Upload::id).toList();
  }

  @Test
  void fullRegistryRefusesAndKeepsEveryLiveEntry() {
    Registry registry = registry();
    Limits two = new Limits(2, 100, 0, 0);
    assertEquals(Admission.ADMITTED, registry.addPending(pending(id(1), T0.plusSeconds(60)), two, T0));
    assertEquals(Admission.ADMITTED, registry.addPending(pending(id(2), T0.plusSeconds(60)), two, T0));
    assertEquals(Admission.FULL, registry.addPending(pending(id(3), T0.plusSeconds(60)), two, T0));
    assertTrue(registry.find(id(1)).isPresent());
    assertTrue(registry.find(id(2)).isPresent());
    assertFalse(registry.find(id(3)).isPresent());
    assertEquals(2, registry.pendingCount());
  }

  @Test
  void expiredEntriesMakeRoomWhenTheRegistryIsFull() {
    Registry registry = registry();
    Limits two = new Limits(2, 100, 0, 0);
    registry.addPending(pending(id(1), T0.plusSeconds(10)), two, T0);
    registry.addPending(pending(id(2), T0.plusSeconds(100)), two, T0);
    assertEquals(Admission.ADMITTED,
        registry.addPending(pending(id(3), T0.plusSeconds(100)), two, T0.plusSeconds(11)));
    assertFalse(registry.find(id(1)).isPresent());
    assertTrue(registry.find(id(3)).isPresent());
    assertEquals(2, registry.pendingCount());
  }

  @Test
  void oneClientAtItsLimitLeavesRoomForEveryoneElse() {
    Registry registry = registry();
    Limits perClient = new Limits(1000, 2, 0, 0);
    Instant later = T0.plusSeconds(60);
    registry.addPending(pending(id(1), "anonymous", "address:1.1.1.1", 1, later), perClient, T0);
    registry.addPending(pending(id(2), "anonymous", "address:1.1.1.1", 1, later), perClient, T0);
    assertEquals(Admission.CLIENT_FULL, registry.addPending(
        pending(id(3), "anonymous", "address:1.1.1.1", 1, later), perClient, T0));
    assertEquals(Admission.ADMITTED, registry.addPending(
        pending(id(4), "anonymous", "address:2.2.2.2", 1, later), perClient, T0));
    assertEquals(Admission.ADMITTED, registry.addPending(
        pending(id(5), "alice", "user:alice", 1, later), perClient, T0));
  }

  @Test
  void completingOrRemovingAnUploadGivesItsClientTheRoomBack() {
    Registry registry = registry();
    Limits one = new Limits(1000, 1, 0, 0);
    Instant later = T0.plusSeconds(60);
    registry.addPending(pending(id(1), "bob", "user:bob", 1, later), one, T0);
    registry.markCompleted(id(1), T0.plusSeconds(1), Optional.of("\"e1\""));
    assertEquals(Admission.ADMITTED,
        registry.addPending(pending(id(2), "bob", "user:bob", 1, later), one, T0));
    registry.remove(id(2), tombstone(id(2), later));
    assertEquals(Admission.ADMITTED,
        registry.addPending(pending(id(3), "bob", "user:bob", 1, later), one, T0));
  }

  @Test
  void quotaCountsCompletedAndPendingBytesOfTheOwner() {
    Registry registry = registry();
    Limits quota = new Limits(1000, 1000, 100, 0);
    Instant later = T0.plusSeconds(60);
    registry.addPending(pending(id(1), "carol", "user:carol", 60, later), quota, T0);
    registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty());
    registry.addPending(pending(id(2), "carol", "user:carol", 30, later), quota, T0);
    assertEquals(Admission.OVER_QUOTA_BYTES,
        registry.addPending(pending(id(3), "carol", "user:carol", 11, later), quota, T0));
    assertEquals(Admission.ADMITTED,
        registry.addPending(pending(id(4), "carol", "user:carol", 10, later), quota, T0));
    assertEquals(Admission.ADMITTED,
        registry.addPending(pending(id(5), "dave", "user:dave", 100, later), quota, T0));
    assertEquals(new Usage(1, 60, 2, 40), registry.usage("carol"));
  }

  @Test
  void quotaOfFilesCountsCompletedAndPendingFiles() {
    Registry registry = registry();
    Limits quota = new Limits(1000, 1000, 0, 2);
    Instant later = T0.plusSeconds(60);
    registry.addPending(pending(id(1), "erin", "user:erin", 1, later), quota, T0);
    registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty());
    registry.addPending(pending(id(2), "erin", "user:erin", 1, later), quota, T0);
    assertEquals(Admission.OVER_QUOTA_FILES,
        registry.addPending(pending(id(3), "erin", "user:erin", 1, later), quota, T0));
    registry.remove(id(1), tombstone(id(1), later));
    assertEquals(Admission.ADMITTED,
        registry.addPending(pending(id(3), "erin", "user:erin", 1, later), quota, T0));
  }

  @Test
  void concurrentPresignsAtTheQuotaEdgeAdmitExactlyWhatFits() throws Exception {
    Registry registry = registry();
    Limits quota = new Limits(1000, 1000, 10, 0);
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Admission>> results = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      Upload u = pending(id(i), "frank", "user:frank", 1, T0.plusSeconds(60));
      results.add(pool.submit(() -> {
        start.await();
        return registry.addPending(u, quota, T0);
      }));
    }
    start.countDown();
    int admitted = 0;
    for (Future<Admission> result : results) {
      if (result.get(30, TimeUnit.SECONDS) == Admission.ADMITTED) {
        admitted++;
      }
    }
    pool.shutdown();
    assertEquals(10, admitted);
    assertEquals(10, registry.usage("frank").pendingBytes());
  }

  @Test
  void anIdAlreadyKnownIsNotAddedTwice() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    assertEquals(Admission.ALREADY_KNOWN,
        registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0));
    assertEquals(1, registry.pendingCount());
    assertEquals(new Usage(0, 0, 1, 1), registry.usage("anonymous"));
  }

  @Test
  void expiredPendingListsOnlyPendingEntriesPastTheirTime() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(10)), ROOMY, T0);
    registry.addPending(pending(id(2), T0.plusSeconds(100)), ROOMY, T0);
    registry.addPending(pending(id(3), T0.plusSeconds(10)), ROOMY, T0);
    registry.markCompleted(id(3), T0.plusSeconds(5), Optional.empty());
    assertEquals(List.of(id(1)), ids(registry.expiredPending(T0.plusSeconds(11), 100)));
  }

  @Test
  void expiredPendingLeavesOutRemovedEntriesAndThoseExpiringExactlyNow() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(10)), ROOMY, T0);
    registry.addPending(pending(id(2), T0.plusSeconds(5)), ROOMY, T0);
    registry.addPending(pending(id(3), T0.plusSeconds(11)), ROOMY, T0);
    registry.remove(id(2), null);
    assertEquals(List.of(id(1)), ids(registry.expiredPending(T0.plusSeconds(11), 100)));
  }

  @Test
  void expiredPendingReturnsAtMostTheBatchAskedForSoonestFirst() {
    Registry registry = registry();
    for (int i = 1; i <= 5; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(10 - i)), ROOMY, T0);
    }
    assertEquals(List.of(id(5), id(4)), ids(registry.expiredPending(T0.plusSeconds(60), 2)));
  }

  @Test
  void concurrentCompletesMakeExactlyOneTransition() throws Exception {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Upload>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Instant at = T0.plusSeconds(i + 1);
      results.add(pool.submit(() -> {
        start.await();
        return registry.markCompleted(id(1), at, Optional.of("\"e" + at + "\"")).orElseThrow();
      }));
    }
    start.countDown();
    Upload winner = null;
    for (Future<Upload> result : results) {
      Upload u = result.get(30, TimeUnit.SECONDS);
      if (winner == null) {
        winner = u;
      }
      assertEquals(winner.completedAt(), u.completedAt(), "every caller sees the one completion");
      assertEquals(winner.etag(), u.etag());
    }
    pool.shutdown();
    assertEquals(0, registry.pendingCount());
    assertEquals(1, registry.completedCount());
    assertEquals(new Usage(1, 1, 0, 0), registry.usage("anonymous"));
  }

  @Test
  void completingARemovedUploadFindsNothing() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    registry.remove(id(1), tombstone(id(1), T0.plusSeconds(600)));
    assertEquals(Optional.empty(), registry.markCompleted(id(1), T0, Optional.empty()));
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void aCompletedUploadKeepsWhatItWasVerifiedWith() {
    Registry registry = registry();
    Upload u = new Upload(id(1), "gina", "user:gina", "uploads/gina/x/" + id(1) + "/a.pdf",
        "Rapport final.pdf", "application/pdf", 1234, Optional.of("c2hhMjU2"),
        Map.of("project", "42"), T0, T0.plusSeconds(60), Optional.empty(), Optional.empty(),
        Optional.empty());
    registry.addPending(u, ROOMY, T0);
    registry.markCompleted(id(1), T0.plusSeconds(3), Optional.of("\"abc\""));
    Upload found = registry.find(id(1)).orElseThrow();
    assertEquals(u.completed(T0.plusSeconds(3), Optional.of("\"abc\"")), found);
  }

  @Test
  void removeIfPendingLeavesACompletedUploadAlone() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty());
    assertEquals(Optional.empty(), registry.removeIfPending(id(1), null));
    assertTrue(registry.find(id(1)).isPresent());
  }

  @Test
  void pagesWalkNewestFirstAndEndWithoutCursor() {
    Registry registry = registry();
    for (int i = 1; i <= 5; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), ROOMY, T0);
      registry.markCompleted(id(i), T0.plusSeconds(i), Optional.empty());
    }
    FilePage first = registry.page("anonymous", 2, Optional.empty());
    assertEquals(List.of(id(5), id(4)), ids(first));
    FilePage second = registry.page("anonymous", 2, first.nextCursor());
    assertEquals(List.of(id(3), id(2)), ids(second));
    FilePage last = registry.page("anonymous", 2, second.nextCursor());
    assertEquals(List.of(id(1)), ids(last));
    assertEquals(Optional.empty(), last.nextCursor());
  }

  @Test
  void filesCompletedAtTheSameInstantComeInOneOrderAcrossPages() {
    Registry registry = registry();
    for (int i = 1; i <= 5; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), ROOMY, T0);
      registry.markCompleted(id(i), T0.plusSeconds(7), Optional.empty());
    }
    List<String> seen = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    do {
      FilePage page = registry.page("anonymous", 2, cursor);
      seen.addAll(ids(page));
      cursor = page.nextCursor();
    } while (cursor.isPresent());
    assertEquals(List.of(id(5), id(4), id(3), id(2), id(1)), seen);
  }

  @Test
  void exactlyFullLastPageHasNoCursor() {
    Registry registry = registry();
    for (int i = 1; i <= 2; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), ROOMY, T0);
      registry.markCompleted(id(i), T0.plusSeconds(i), Optional.empty());
    }
    assertEquals(Optional.empty(), registry.page("anonymous", 2, Optional.empty()).nextCursor());
  }

  @Test
  void cursorSurvivesDeletionOfTheEntryItPointsAt() {
    Registry registry = registry();
    for (int i = 1; i <= 3; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), ROOMY, T0);
      registry.markCompleted(id(i), T0.plusSeconds(i), Optional.empty());
    }
    FilePage first = registry.page("anonymous", 1, Optional.empty());
    registry.remove(id(3), tombstone(id(3), T0.plusSeconds(600)));
    assertEquals(List.of(id(2), id(1)), ids(registry.page("anonymous", 5, first.nextCursor())));
  }

  @Test
  void foreignCursorIsRefused() {
    Registry registry = registry();
    for (String cursor : new String[] {"garbage", "", "%%%", "MTIz", "MS4yOmFiYw"}) {
      assertThrows(BadCursorException.class,
          () -> registry.page("anonymous", 5, Optional.of(cursor)), cursor);
    }
  }

  @Test
  void eachOwnerPagesThroughOnlyTheirOwnFiles() {
    Registry registry = registry();
    for (int i = 1; i <= 4; i++) {
      String owner = i % 2 == 0 ? "alice" : "bob";
      registry.addPending(pending(id(i), owner, "user:" + owner, 1, T0.plusSeconds(60)), ROOMY,
          T0);
      registry.markCompleted(id(i), T0.plusSeconds(i), Optional.empty());
    }
    assertEquals(List.of(id(4), id(2)), ids(registry.page("alice", 10, Optional.empty())));
    assertEquals(List.of(id(3), id(1)), ids(registry.page("bob", 10, Optional.empty())));
    assertEquals(List.of(), ids(registry.page("carol", 10, Optional.empty())));
    assertEquals(4, registry.completedCount());
  }

  @Test
  void pendingListsTheOwnersUnfinishedUploadsOldestFirst() {
    Registry registry = registry();
    Upload older = pending(id(1), "alice", "user:alice", 1, T0.plusSeconds(90));
    Upload newer = new Upload(id(2), "alice", "user:alice", "k2", "b.txt", "text/plain", 1,
        Optional.empty(), Map.of(), T0.plusSeconds(5), T0.plusSeconds(60), Optional.empty(),
        Optional.empty(), Optional.empty());
    registry.addPending(newer, ROOMY, T0);
    registry.addPending(older, ROOMY, T0);
    registry.addPending(pending(id(3), "bob", "user:bob", 1, T0.plusSeconds(60)), ROOMY, T0);
    assertEquals(List.of(id(1), id(2)), ids(registry.pending("alice")));
  }

  @Test
  void aRemovedUploadIsNotBroughtBackByWhatTheStoreSays() {
    Registry registry = registry();
    Upload done = pending(id(1), T0).completed(T0, Optional.empty());
    assertTrue(registry.addCompleted(done));
    registry.remove(id(1), tombstone(id(1), T0.plusSeconds(600)));
    assertTrue(registry.isRemoved(id(1)));
    assertFalse(registry.addCompleted(done));
    assertEquals(0, registry.completedCount());
  }

  @Test
  void anotherInstancesDeletionIsRememberedEvenForAnIdNeverSeen() {
    Registry registry = registry();
    registry.remove(id(9), tombstone(id(9), T0.plusSeconds(600)));
    assertTrue(registry.isRemoved(id(9)));
    assertFalse(registry.addCompleted(pending(id(9), T0).completed(T0, Optional.empty())));
  }

  @Test
  void tombstonesExpireAndAreForgotten() {
    Registry registry = registry();
    registry.remove(id(1), new Tombstone(id(1), "k1", T0.plusSeconds(10), true));
    registry.remove(id(2), tombstone(id(2), T0.plusSeconds(100)));
    List<Tombstone> expired = registry.expiredTombstones(T0.plusSeconds(11), 10);
    assertEquals(List.of(new Tombstone(id(1), "k1", T0.plusSeconds(10), true)), expired);
    registry.forgetTombstone(id(1));
    assertFalse(registry.isRemoved(id(1)));
    assertTrue(registry.isRemoved(id(2)));
    assertEquals(List.of(), registry.expiredTombstones(T0.plusSeconds(11), 10));
  }

  @Test
  void aLaterTombstoneOfTheSameIdKeepsTheLaterTime() {
    Registry registry = registry();
    registry.remove(id(1), tombstone(id(1), T0.plusSeconds(100)));
    registry.remove(id(1), tombstone(id(1), T0.plusSeconds(50)));
    assertEquals(List.of(), registry.expiredTombstones(T0.plusSeconds(60), 10));
    assertEquals(1, registry.expiredTombstones(T0.plusSeconds(101), 10).size());
  }

  @Test
  void theFirstStartOfAMultipartUploadWins() {
    Registry registry = registry();
    Upload u = new Upload(id(1), "anonymous", "address:1.2.3.4", "k", "big.bin",
        "application/zip", 100L << 20, Optional.empty(), Map.of(), T0, T0.plusSeconds(600),
        Optional.empty(), Optional.empty(),
        Optional.of(new MultipartPlan(Optional.empty(), 16L << 20, 7)));
    registry.addPending(u, ROOMY, T0);
    MultipartPlan first = u.multipart().get().started("store-1");
    Instant day = T0.plusSeconds(86_400);
    assertEquals(Optional.of("store-1"), registry.startMultipart(id(1), first, day)
        .flatMap(Upload::multipart).flatMap(MultipartPlan::storeUploadId));
    assertEquals(Optional.of("store-1"), registry.startMultipart(id(1),
        u.multipart().get().started("store-2"), day)
        .flatMap(Upload::multipart).flatMap(MultipartPlan::storeUploadId));
    assertEquals(day, registry.find(id(1)).orElseThrow().expiresAt());
    assertEquals(List.of(), registry.expiredPending(T0.plusSeconds(601), 10),
        "a started upload lives as long as its new expiry");
  }

  static Event event(String type, String subject) {
    return new Event("evt_" + subject + "_" + type.substring(7), type, T0, subject, Map.of());
  }

  @Test
  void aChangeRecordsItsEventsAndAChangeMadeAlreadyRecordsNone() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    Changed first = registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty(),
        Registry.SIZE_AS_SIGNED, List.of(event(Event.UPLOAD_COMPLETED, id(1))));
    assertTrue(first.upload().orElseThrow().isCompleted());
    assertEquals(List.of(event(Event.UPLOAD_COMPLETED, id(1))),
        first.recorded().stream().map(d -> d.event()).toList());
    Changed again = registry.markCompleted(id(1), T0.plusSeconds(2), Optional.empty(),
        Registry.SIZE_AS_SIGNED, List.of(event(Event.UPLOAD_COMPLETED, id(1))));
    assertEquals(first.upload(), again.upload());
    assertEquals(List.of(), again.recorded());

    Changed removed = registry.remove(id(1), tombstone(id(1), T0.plusSeconds(600)),
        List.of(event(Event.UPLOAD_DELETED, id(1))));
    assertEquals(1, removed.recorded().size());
    assertEquals(List.of(), registry.remove(id(1), tombstone(id(1), T0.plusSeconds(600)),
        List.of(event(Event.UPLOAD_DELETED, id(1)))).recorded());
  }

  @Test
  void expiringACompletedUploadRecordsNothing() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty());
    Changed expired = registry.removeIfPending(id(1), null,
        List.of(event(Event.UPLOAD_EXPIRED, id(1))));
    assertEquals(Optional.empty(), expired.upload());
    assertEquals(List.of(), expired.recorded());
    assertTrue(registry.find(id(1)).isPresent());
    assertFalse(registry.isRemoved(id(1)));
  }

  @Test
  void pendingCountsMatchTheEntriesAfterConcurrentAddsCompletesAndRemoves() throws Exception {
    Registry registry = registry();
    int threads = 8;
    int perThread = churn() / threads;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * perThread;
      done.add(pool.submit(() -> {
        for (int i = base; i < base + perThread; i++) {
          registry.addPending(pending(id(i), T0.plusSeconds(i % 97)), ROOMY, T0);
          if (i % 3 == 0) {
            registry.markCompleted(id(i), T0.plusSeconds(1), Optional.empty());
          } else if (i % 3 == 1) {
            registry.remove(id(i), null);
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(120, TimeUnit.SECONDS);
    }
    pool.shutdown();
    List<Upload> stillPending = registry.expiredPending(T0.plusSeconds(1000), Integer.MAX_VALUE);
    assertEquals(registry.pendingCount(), stillPending.size());
    assertTrue(stillPending.stream().allMatch(u -> Integer.parseInt(u.id().substring(2)) % 3 == 2));
    assertEquals(registry.pendingCount(), registry.pending("anonymous").size());
    Usage usage = registry.usage("anonymous");
    assertEquals(registry.pendingCount(), usage.pendingFiles());
    assertEquals(registry.completedCount(), usage.completedFiles());
  }
}
