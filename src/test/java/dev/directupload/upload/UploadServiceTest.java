package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Upload;
import dev.directupload.storage.PutSpec;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The use cases over a recording fake store: nothing is listed that the store does not hold as
 * signed, and a failing store never changes the index.
 */
class UploadServiceTest {
  private static final Caller ANON = Caller.anonymous("127.0.0.1");
  private final Settings settings = TestSettings.with("max-pending", "100");
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final UploadService service = new UploadService(settings, store, registry, clock);

  private PresignedUpload presign(String name) {
    return service.presign(ANON, new UploadRequest(name, "text/plain", 12L, null));
  }


  @AfterEach
  void closeStore() {
    store.close();
  }
  @Test
  void keyHasPrefixDateRandomIdAndSanitisedNameOnly() {
    PresignedUpload p = presign("My Report (final).txt");
    assertEquals("uploads/anonymous/2026/03/04/" + p.upload().id() + "/My_Report_final_.txt",
        p.upload().key());
    assertEquals("My Report (final).txt", p.upload().filename());
  }

  @Test
  void presignSignsSizeTypeAndMetadataTheIndexCanBeRebuiltFrom() {
    PresignedUpload p = presign("Grüße.txt");
    PutSpec spec = store.lastSpec;
    assertEquals(12, spec.size());
    assertEquals("text/plain", spec.contentType());
    assertEquals(Map.of("upload-id", p.upload().id(), "filename", "Gr%C3%BC%C3%9Fe.txt",
        "owner", "anonymous"), spec.metadata());
    assertEquals(1, registry.pendingCount());
  }

  @Test
  void completeBeforeUploadIsNotUploadedAndStaysPending() {
    PresignedUpload p = presign("a.txt");
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(ANON, p.upload().id()));
    assertEquals(ErrorCode.NOT_UPLOADED, e.code());
    assertFalse(registry.find(p.upload().id()).orElseThrow().isCompleted());
  }

  @Test
  void completeListsTheFileAndIsIdempotent() {
    PresignedUpload p = presign("a.txt");
    store.putAsSigned(store.lastSpec);
    Upload first = service.complete(ANON, p.upload().id());
    Upload again = service.complete(ANON, p.upload().id());
    assertEquals(first, again);
    assertEquals(List.of(first), service.files(ANON, null, Optional.empty()).files());
  }

  @Test
  void objectOfAnotherSizeIsDeletedAndTheUploadForgotten() {
    PresignedUpload p = presign("a.txt");
    PutSpec spec = store.lastSpec;
    store.put(spec.key(), 13, "text/plain", spec.metadata(), clock.instant());
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(ANON, p.upload().id()));
    assertEquals(ErrorCode.OBJECT_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("expected 12 bytes but the store holds 13"), e.getMessage());
    assertFalse(store.objects.containsKey(spec.key()));
    assertTrue(registry.find(p.upload().id()).isEmpty());
  }

  @Test
  void aHalfWayReadOfTheObjectIsCheckedAgainBeforeAnythingIsDeleted() {
    PresignedUpload p = presign("a.txt");
    PutSpec spec = store.lastSpec;
    store.putAsSigned(spec);
    store.nextHeads.add(Optional.of(new dev.directupload.storage.StoredObject(spec.key(), 12,
        "text/plain", clock.instant(), Map.of(), Optional.empty(), Optional.empty(), Map.of())));
    assertTrue(service.complete(ANON, p.upload().id()).isCompleted());
    assertTrue(store.objects.containsKey(spec.key()));
  }

  @Test
  void objectOfAnotherTypeIsDeleted() {
    PresignedUpload p = presign("a.txt");
    PutSpec spec = store.lastSpec;
    store.put(spec.key(), 12, "text/html", spec.metadata(), clock.instant());
    assertEquals(ErrorCode.OBJECT_MISMATCH, assertThrows(ApiException.class,
        () -> service.complete(ANON, p.upload().id())).code());
    assertFalse(store.objects.containsKey(spec.key()));
  }

  @Test
  void typeParametersAddedByTheStoreAreNotADifference() {
    PresignedUpload p = presign("a.txt");
    PutSpec spec = store.lastSpec;
    store.put(spec.key(), 12, "text/plain; charset=UTF-8", spec.metadata(), clock.instant());
    assertTrue(service.complete(ANON, p.upload().id()).isCompleted());
  }

  @Test
  void storeDownDuringCompleteIsRetryableAndChangesNothing() {
    PresignedUpload p = presign("a.txt");
    store.putAsSigned(store.lastSpec);
    store.down = true;
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(ANON, p.upload().id()));
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code());
    assertFalse(e.getMessage().contains("127.0.0.1"), e.getMessage());
    assertFalse(registry.find(p.upload().id()).orElseThrow().isCompleted());
    store.down = false;
    assertTrue(service.complete(ANON, p.upload().id()).isCompleted());
  }

  @Test
  void concurrentCompletesAllAnswerTheSameFile() throws Exception {
    PresignedUpload p = presign("a.txt");
    store.putAsSigned(store.lastSpec);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Upload>> results = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      results.add(pool.submit(() -> {
        go.await();
        return service.complete(ANON, p.upload().id());
      }));
    }
    go.countDown();
    Upload first = results.get(0).get(10, TimeUnit.SECONDS);
    for (Future<Upload> r : results) {
      assertEquals(first, r.get(10, TimeUnit.SECONDS));
    }
    pool.shutdown();
    assertEquals(1, registry.completedCount());
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void deleteRemovesObjectAndEntry() {
    PresignedUpload p = presign("a.txt");
    store.putAsSigned(store.lastSpec);
    service.complete(ANON, p.upload().id());
    service.delete(ANON, p.upload().id());
    assertFalse(store.objects.containsKey(p.upload().key()));
    assertEquals(List.of(), service.files(ANON, null, Optional.empty()).files());
  }

  @Test
  void deleteWithStoreDownKeepsTheFileListed() {
    PresignedUpload p = presign("a.txt");
    store.putAsSigned(store.lastSpec);
    service.complete(ANON, p.upload().id());
    store.down = true;
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, assertThrows(ApiException.class,
        () -> service.delete(ANON, p.upload().id())).code());
    assertEquals(1, service.files(ANON, null, Optional.empty()).files().size());
  }

  @Test
  void someoneElsesUploadAnswersLikeAMissingOne() {
    PresignedUpload p = presign("a.txt");
    store.putAsSigned(store.lastSpec);
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.complete(Caller.user("mallory"), p.upload().id())).code());
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.delete(Caller.user("mallory"), p.upload().id())).code());
    assertTrue(store.objects.containsKey(p.upload().key()));
  }

  @Test
  void pendingUploadHasNoDownload() {
    PresignedUpload p = presign("a.txt");
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.downloadUrl(ANON, p.upload().id())).code());
  }

  @Test
  void downloadIsAnAttachmentUnderTheOriginalName() {
    PresignedUpload p = presign("naïve résumé.txt");
    store.putAsSigned(store.lastSpec);
    service.complete(ANON, p.upload().id());
    String url = service.downloadUrl(ANON, p.upload().id()).toString();
    assertTrue(url.contains("response-content-disposition=attachment"), url);
    assertTrue(url.contains("na%25C3%25AFve%2520r%25C3%25A9sum%25C3%25A9.txt"), url);
  }

  @Test
  void limitOutsideOneToAThousandIsRefused() {
    for (int limit : new int[] {0, -1, 1001}) {
      assertEquals(ErrorCode.INVALID_REQUEST, assertThrows(ApiException.class,
          () -> service.files(ANON, limit, Optional.empty())).code());
    }
  }

  @Test
  void expiryCompletesUploadsWhoseObjectArrivedAndDropsTheRest() {
    PresignedUpload arrived = presign("arrived.txt");
    store.putAsSigned(store.lastSpec);
    PresignedUpload missing = presign("missing.txt");
    PresignedUpload wrong = presign("wrong.txt");
    store.put(store.lastSpec.key(), 99, "text/plain", store.lastSpec.metadata(), clock.instant());

    clock.advance(Duration.ofMinutes(14));
    service.expirePending();
    assertEquals(3, registry.pendingCount(), "nothing expires before URL expiry plus grace");

    clock.advance(settings.urlExpiry().plus(UploadService.PENDING_GRACE));
    service.expirePending();
    assertTrue(registry.find(arrived.upload().id()).orElseThrow().isCompleted());
    assertTrue(registry.find(missing.upload().id()).isEmpty());
    assertTrue(registry.find(wrong.upload().id()).isEmpty());
    assertFalse(store.objects.containsKey(wrong.upload().key()));
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void expiryWithStoreDownKeepsEntriesForTheNextRound() {
    presign("a.txt");
    clock.advance(Duration.ofDays(1));
    store.down = true;
    service.expirePending();
    assertEquals(1, registry.pendingCount());
  }

  @Test
  void healthReportsTheStoresProblemInOurWords() {
    assertTrue(service.health("http://localhost").up());
    store.down = true;
    clock.advance(UploadService.HEALTH_CACHE);
    Health down = service.health("http://localhost");
    assertFalse(down.up());
    assertEquals(Optional.of("the store did not answer while testing"), down.problem());
    assertEquals(Optional.empty(), down.cors());
  }
}
