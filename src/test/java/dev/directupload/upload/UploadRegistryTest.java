package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The index keeps pending uploads bounded and completed ones in newest-first order, and one
 * upload changes state exactly once however many threads complete it.
 */
class UploadRegistryTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private static Upload pending(String id, Instant expiresAt) {
    return new Upload(id, "anonymous", "uploads/" + id + "/f.txt", "f.txt", "text/plain", 1,
        Optional.empty(), T0, expiresAt, Optional.empty(), Optional.empty());
  }

  private static String id(int n) {
    return String.format("id%020d", n);
  }

  @Test
  void fullRegistryRefusesWithRetryableErrorAndKeepsEveryLiveEntry() {
    UploadRegistry registry = new UploadRegistry(2);
    registry.addPending(pending(id(1), T0.plusSeconds(60)), T0);
    registry.addPending(pending(id(2), T0.plusSeconds(60)), T0);
    ApiException e = assertThrows(ApiException.class,
        () -> registry.addPending(pending(id(3), T0.plusSeconds(60)), T0));
    assertEquals(ErrorCode.TOO_MANY_PENDING, e.code());
    assertEquals(503, e.code().httpStatus());
    assertTrue(e.code().retryAfterSeconds() > 0);
    assertTrue(registry.find(id(1)).isPresent());
    assertTrue(registry.find(id(2)).isPresent());
    assertEquals(2, registry.pendingCount());
  }

  @Test
  void expiredEntriesMakeRoomWhenTheRegistryIsFull() {
    UploadRegistry registry = new UploadRegistry(2);
    registry.addPending(pending(id(1), T0.plusSeconds(10)), T0);
    registry.addPending(pending(id(2), T0.plusSeconds(100)), T0);
    registry.addPending(pending(id(3), T0.plusSeconds(100)), T0.plusSeconds(11));
    assertFalse(registry.find(id(1)).isPresent());
    assertTrue(registry.find(id(3)).isPresent());
    assertEquals(2, registry.pendingCount());
  }

  @Test
  void expiredPendingListsOnlyPendingEntriesPastTheirTime() {
    UploadRegistry registry = new UploadRegistry(10);
    registry.addPending(pending(id(1), T0.plusSeconds(10)), T0);
    registry.addPending(pending(id(2), T0.plusSeconds(100)), T0);
    registry.addPending(pending(id(3), T0.plusSeconds(10)), T0);
    registry.markCompleted(id(3), T0.plusSeconds(5));
    assertEquals(List.of(id(1)),
        registry.expiredPending(T0.plusSeconds(11)).stream().map(Upload::id).toList());
  }

  @Test
  void concurrentCompletesMakeExactlyOneTransition() throws Exception {
    UploadRegistry registry = new UploadRegistry(10);
    registry.addPending(pending(id(1), T0.plusSeconds(60)), T0);
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Upload>> results = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      Instant at = T0.plusSeconds(i + 1);
      results.add(pool.submit(() -> {
        start.await();
        return registry.markCompleted(id(1), at).orElseThrow();
      }));
    }
    start.countDown();
    Instant winner = null;
    for (Future<Upload> result : results) {
      Instant at = result.get(10, TimeUnit.SECONDS).completedAt().orElseThrow();
      if (winner == null) {
        winner = at;
      }
      assertEquals(winner, at, "every caller sees the one completion");
    }
    pool.shutdown();
    assertEquals(0, registry.pendingCount());
    assertEquals(1, registry.completedCount());
  }

  @Test
  void completingARemovedUploadFindsNothing() {
    UploadRegistry registry = new UploadRegistry(10);
    registry.addPending(pending(id(1), T0.plusSeconds(60)), T0);
    registry.remove(id(1));
    assertEquals(Optional.empty(), registry.markCompleted(id(1), T0));
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void pagesWalkNewestFirstAndEndWithoutCursor() {
    UploadRegistry registry = new UploadRegistry(10);
    for (int i = 1; i <= 5; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), T0);
      registry.markCompleted(id(i), T0.plusSeconds(i));
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
  void exactlyFullLastPageHasNoCursor() {
    UploadRegistry registry = new UploadRegistry(10);
    for (int i = 1; i <= 2; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), T0);
      registry.markCompleted(id(i), T0.plusSeconds(i));
    }
    assertEquals(Optional.empty(), registry.page("anonymous", 2, Optional.empty()).nextCursor());
  }

  @Test
  void cursorSurvivesDeletionOfTheEntryItPointsAt() {
    UploadRegistry registry = new UploadRegistry(10);
    for (int i = 1; i <= 3; i++) {
      registry.addPending(pending(id(i), T0.plusSeconds(60)), T0);
      registry.markCompleted(id(i), T0.plusSeconds(i));
    }
    FilePage first = registry.page("anonymous", 1, Optional.empty());
    registry.remove(id(3));
    assertEquals(List.of(id(2), id(1)), ids(registry.page("anonymous", 5, first.nextCursor())));
  }

  @Test
  void foreignCursorIsAClientError() {
    UploadRegistry registry = new UploadRegistry(10);
    for (String cursor : new String[] {"garbage", "", "%%%", "MTIz"}) {
      ApiException e = assertThrows(ApiException.class,
          () -> registry.page("anonymous", 5, Optional.of(cursor)), cursor);
      assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    }
  }

  @Test
  void rebuildDoesNotResurrectWhatWasDeletedMeanwhile() {
    UploadRegistry registry = new UploadRegistry(10);
    Upload done = pending(id(1), T0).completed(T0);
    registry.addCompleted(done);
    registry.beginRebuild();
    registry.remove(id(1));
    assertFalse(registry.addCompleted(done));
    registry.endRebuild();
    assertEquals(0, registry.completedCount());
  }

  @Test
  void eachOwnerPagesThroughOnlyTheirOwnFiles() {
    UploadRegistry registry = new UploadRegistry(10);
    for (int i = 1; i <= 4; i++) {
      Upload u = pending(id(i), T0.plusSeconds(60));
      String owner = i % 2 == 0 ? "alice" : "bob";
      registry.addPending(new Upload(u.id(), owner, u.key(), u.filename(), u.contentType(),
          u.size(), u.checksumSha256(), u.createdAt(), u.expiresAt(), u.completedAt(),
          Optional.empty()), T0);
      registry.markCompleted(id(i), T0.plusSeconds(i));
    }
    assertEquals(List.of(id(4), id(2)), ids(registry.page("alice", 10, Optional.empty())));
    assertEquals(List.of(id(3), id(1)), ids(registry.page("bob", 10, Optional.empty())));
    assertEquals(List.of(), ids(registry.page("carol", 10, Optional.empty())));
    assertEquals(4, registry.completedCount());
  }

  @Test
  void expiredPendingLeavesOutRemovedEntriesAndThoseExpiringExactlyNow() {
    UploadRegistry registry = new UploadRegistry(10);
    registry.addPending(pending(id(1), T0.plusSeconds(10)), T0);
    registry.addPending(pending(id(2), T0.plusSeconds(5)), T0);
    registry.addPending(pending(id(3), T0.plusSeconds(11)), T0);
    registry.remove(id(2));
    assertEquals(List.of(id(1)),
        registry.expiredPending(T0.plusSeconds(11)).stream().map(Upload::id).toList());
  }

  @Test
  void pendingIndexMatchesTheEntriesAfterConcurrentAddsCompletesAndRemoves() throws Exception {
    UploadRegistry registry = new UploadRegistry(100_000);
    int threads = 8;
    int perThread = 2_000;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int base = t * perThread;
      done.add(pool.submit(() -> {
        for (int i = base; i < base + perThread; i++) {
          registry.addPending(pending(id(i), T0.plusSeconds(i % 97)), T0);
          if (i % 3 == 0) {
            registry.markCompleted(id(i), T0.plusSeconds(1));
          } else if (i % 3 == 1) {
            registry.remove(id(i));
          }
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get(30, TimeUnit.SECONDS);
    }
    pool.shutdown();
    List<Upload> stillPending = registry.expiredPending(T0.plusSeconds(1000));
    assertEquals(registry.pendingCount(), stillPending.size());
    assertTrue(stillPending.stream().allMatch(u -> Integer.parseInt(u.id().substring(2)) % 3 == 2));
    assertEquals(registry.pendingCount(), registry.pending(u -> true).size());
  }

  private static List<String> ids(FilePage page) {
    return page.files().stream().map(Upload::id).toList();
  }
}
