package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Upload;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Two instances over one (fake) bucket: the store and the change records are their only link. */
class ScaleOutServiceTest {
  private final Settings settings = TestSettings.with("index-refresh", "PT10S");
  private final FakeStore store = new FakeStore(settings);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final MemoryRegistry registryA = new MemoryRegistry();
  private final MemoryRegistry registryB = new MemoryRegistry();
  private final UploadService a = new UploadService(settings, store, registryA, clock);
  private final UploadService b = new UploadService(settings, store, registryB, clock);

  @AfterEach
  void closeStore() {
    store.close();
  }

  private Upload uploadThroughA(String name) {
    Upload upload = a.presign(Caller.user("alice"), new UploadRequest(name, "text/plain", 3L, null)).upload();
    store.putAsSigned(store.lastSpec);
    return upload;
  }

  @Test
  void theOtherInstanceCompletesByFindingTheObjectInTheIdsFolder() {
    Upload upload = uploadThroughA("a.txt");
    Upload completed = b.complete(Caller.user("alice"), upload.id());
    assertTrue(completed.isCompleted());
    assertEquals("a.txt", completed.filename());
    assertTrue(store.calls.contains("findFirst " + upload.key().substring(0,
        upload.key().lastIndexOf('/') + 1)), store.calls.toString());

    clock.advance(Duration.ofSeconds(10));
    assertEquals(1, a.refreshIndex());
    assertTrue(registryA.find(upload.id()).orElseThrow().isCompleted());
    assertEquals(0, a.refreshIndex(), "a record is applied once");
  }

  @Test
  void someoneElsesIdIsNotFoundEvenWhenItsObjectExists() {
    Upload upload = uploadThroughA("a.txt");
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> b.complete(Caller.user("mallory"), upload.id())).code());
    assertTrue(registryB.find(upload.id()).isEmpty());
  }

  @Test
  void idsFromOutsideAnUploadsLifetimeCostNoStoreCall() {
    String old = UploadIds.next(clock.instant().minus(Duration.ofDays(30)));
    String future = UploadIds.next(clock.instant().plus(Duration.ofHours(1)));
    for (String id : List.of(old, future)) {
      assertThrows(ApiException.class, () -> b.delete(Caller.user("alice"), id));
    }
    assertTrue(store.calls.stream().noneMatch(c -> c.startsWith("findFirst")), store.calls.toString());
  }

  @Test
  void deletesAndCompletionsReachTheOtherIndexInOrder() {
    Upload first = uploadThroughA("first.txt");
    a.complete(Caller.user("alice"), first.id());
    Upload second = uploadThroughA("second.txt");
    a.complete(Caller.user("alice"), second.id());
    a.delete(Caller.user("alice"), first.id());

    clock.advance(Duration.ofSeconds(10));
    assertEquals(1, b.refreshIndex(), "second added; first skipped: its object is gone");
    assertTrue(registryB.find(first.id()).isEmpty());
    assertTrue(registryB.find(second.id()).orElseThrow().isCompleted());
  }

  @Test
  void aRecordWrittenLateIsStillRead() {
    Upload early = uploadThroughA("early.txt");
    clock.advance(Duration.ofSeconds(30));
    Upload late = uploadThroughA("late.txt");
    a.complete(Caller.user("alice"), late.id());
    assertEquals(1, b.refreshIndex());
    // Another instance whose clock is 30 s behind records its completion only now.
    clock.advance(Duration.ofSeconds(-30));
    a.complete(Caller.user("alice"), early.id());
    clock.advance(Duration.ofSeconds(40));
    assertEquals(1, b.refreshIndex());
    assertTrue(registryB.find(early.id()).orElseThrow().isCompleted());
  }

  @Test
  void oldRecordsAreDeletedAndForeignKeysIgnored() {
    Upload upload = uploadThroughA("a.txt");
    a.complete(Caller.user("alice"), upload.id());
    store.put("uploads/.direct-upload/changes/not-a-record", 0, "text/plain", Map.of(),
        clock.instant());
    clock.advance(Duration.ofSeconds(10));
    assertEquals(1, b.refreshIndex());
    clock.advance(Duration.ofDays(2));
    assertEquals(1, a.deleteOldChangeRecords()); // the foreign key sorts after every record
    assertFalse(store.objects.keySet().stream().anyMatch(k -> k.contains("-c/")));
    assertTrue(store.objects.containsKey(upload.key()));
  }

  @Test
  void withRefreshOffNoChangeIsRecorded() {
    Settings single = TestSettings.with("index-refresh", "PT0S");
    UploadService alone = new UploadService(single, store, new MemoryRegistry(), clock);
    Upload upload = alone.presign(Caller.user("alice"), new UploadRequest("a.txt", "text/plain", 3L, null))
        .upload();
    store.putAsSigned(store.lastSpec);
    alone.complete(Caller.user("alice"), upload.id());
    alone.delete(Caller.user("alice"), upload.id());
    assertTrue(store.calls.stream().noneMatch(c -> c.startsWith("putRecord")
        && c.contains("/changes/")), store.calls.toString());
    assertEquals(0, alone.refreshIndex());
  }
}
