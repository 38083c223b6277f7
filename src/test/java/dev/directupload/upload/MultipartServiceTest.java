package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.MultipartPlan;
import dev.directupload.registry.Upload;
import dev.directupload.storage.StoredPart;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Multipart uploads over the recording fake store: the plan, the checks, no orphans, and nothing
 * in the store until the first part is signed.
 */
class MultipartServiceTest {
  private static final Caller ANON = Caller.anonymous("127.0.0.1");
  private static final long MIB = 1 << 20;
  private static final long SIZE = 12 * MIB + 7; // parts of 5 MiB, 5 MiB, 2 MiB + 7
  private static final String SUM = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";

  private final Settings settings = TestSettings.with("max-pending", "2",
      "multipart-threshold", "5MiB", "part-size", "5MiB", "max-file-size", "5TiB");
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final UploadService service = new UploadService(settings, store, registry, clock);

  @AfterEach
  void closeStore() {
    store.close();
  }

  private Upload presign(long size) {
    return service.presign(ANON, new UploadRequest("film.mp4", "video/mp4", size, null))
        .upload();
  }

  /** Signs part 1, which starts the upload in the store; the upload as the index now holds it. */
  private Upload started(Upload upload) {
    service.signParts(ANON, upload.id(), List.of(new PartRequest(1, SUM)));
    return registry.find(upload.id()).orElseThrow();
  }

  private static String storeId(Upload upload) {
    return upload.multipart().orElseThrow().storeUploadId().orElseThrow();
  }

  @Test
  void aFileAtTheThresholdGetsAPlanButNothingInTheStoreYet() {
    Upload below = presign(5 * MIB - 1);
    assertTrue(below.multipart().isEmpty());
    Upload upload = presign(SIZE);
    MultipartPlan plan = upload.multipart().orElseThrow();
    assertEquals(5 * MIB, plan.partSize());
    assertEquals(3, plan.partCount());
    assertEquals(2 * MIB + 7, plan.sizeOf(3, SIZE));
    assertFalse(plan.isStarted());
    assertTrue(store.multiparts.isEmpty(), "no multipart upload before a part is signed");
    assertEquals(clock.instant().plus(settings.urlExpiry()).plus(UploadService.PENDING_GRACE),
        upload.expiresAt(), "an upload nobody sends a part of goes like a single PUT");
  }

  @Test
  void theFirstSignedPartStartsTheUploadForADay() {
    Upload upload = presign(SIZE);
    Upload started = started(upload);
    assertTrue(store.multiparts.containsKey(storeId(started)));
    assertEquals(clock.instant().plus(UploadService.MULTIPART_LIFETIME), started.expiresAt());
    service.signParts(ANON, upload.id(), List.of(new PartRequest(2, SUM)));
    assertEquals(1, store.multiparts.size(), "started once");
  }

  @Test
  void aMalformedPartRequestStartsNothing() {
    Upload upload = presign(SIZE);
    assertThrows(ApiException.class,
        () -> service.signParts(ANON, upload.id(), List.of(new PartRequest(4, SUM))));
    assertThrows(ApiException.class,
        () -> service.signParts(ANON, upload.id(), List.of(new PartRequest(1, null))));
    assertTrue(store.multiparts.isEmpty());
  }

  @Test
  void partSizeGrowsSoNoFileNeedsMoreThanTenThousandParts() {
    assertEquals(5 * MIB, settings.partSizeFor(50_000 * MIB));
    assertEquals(525 * MIB, settings.partSizeFor(5L << 40)); // 5 TiB / 10,000, whole MiB up
    Upload largest = presign(5L << 40);
    assertEquals(9_987, largest.multipart().orElseThrow().partCount()); // 5 TiB in 525 MiB parts
  }

  @Test
  void signedPartsBindTheirLengthAndChecksum() {
    Upload upload = presign(SIZE);
    List<SignedPart> parts = service.signParts(ANON, upload.id(),
        List.of(new PartRequest(3, SUM), new PartRequest(1, SUM)));
    assertEquals(List.of(3, 1), parts.stream().map(SignedPart::partNumber).toList());
    String url = parts.get(0).put().url();
    assertTrue(url.contains("partNumber=3&uploadId="), url);
    assertTrue(url.contains("X-Amz-SignedHeaders=content-length%3Bhost%3Bx-amz-checksum-sha256"),
        url);
    assertEquals(SUM, parts.get(0).put().headers().get("x-amz-checksum-sha256"));
  }

  @Test
  void completeBeforeAnyPartNamesThemAll() {
    Upload upload = presign(SIZE);
    ApiException e = assertThrows(ApiException.class, () -> service.complete(ANON, upload.id()));
    assertEquals(ErrorCode.NOT_UPLOADED, e.code());
    assertTrue(e.getMessage().startsWith("None of the 3 parts"), e.getMessage());
    assertEquals(List.of(), service.storedParts(ANON, upload.id()).parts());
  }

  @Test
  void completeNamesTheMissingPartsAndKeepsTheUploadResumable() {
    Upload upload = started(presign(SIZE));
    store.putPart(storeId(upload), 1, 5 * MIB);
    store.putPart(storeId(upload), 3, 2 * MIB + 6); // one byte short
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(ANON, upload.id()));
    assertEquals(ErrorCode.NOT_UPLOADED, e.code());
    assertEquals("1 of 3 parts are not in storage yet (2); part 3 holds 2097158 bytes instead"
        + " of 2097159. Upload those parts, then complete again; the parts stored are kept.",
        e.getMessage());
    assertFalse(registry.find(upload.id()).orElseThrow().isCompleted());
    assertTrue(store.multiparts.containsKey(storeId(upload)));

    store.putPart(storeId(upload), 2, 5 * MIB);
    store.putPart(storeId(upload), 3, 2 * MIB + 7);
    Upload done = service.complete(ANON, upload.id());
    assertTrue(done.isCompleted());
    assertTrue(done.multipart().isEmpty(), "a listed file keeps no plan");
    assertEquals(SIZE, store.objects.get(upload.key()).size());
    assertEquals(done, service.complete(ANON, upload.id()));
  }

  @Test
  void anUploadTheStoreNoLongerHoldsIsForgotten() {
    Upload upload = started(presign(SIZE));
    store.multiparts.clear(); // aborted by a lifecycle rule, say
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(ANON, upload.id()));
    assertEquals(ErrorCode.NOT_FOUND, e.code());
    assertTrue(registry.find(upload.id()).isEmpty());
  }

  @Test
  void partsOfASinglePutOrACompletedUploadAreRefused() {
    Upload single = presign(MIB);
    assertEquals(ErrorCode.INVALID_REQUEST, assertThrows(ApiException.class, () ->
        service.storedParts(ANON, single.id())).code());
    Upload upload = started(presign(SIZE));
    for (int n = 1; n <= 3; n++) {
      store.putPart(storeId(upload), n, upload.multipart().orElseThrow().sizeOf(n, SIZE));
    }
    service.complete(ANON, upload.id());
    assertEquals(ErrorCode.ALREADY_COMPLETED, assertThrows(ApiException.class, () ->
        service.signParts(ANON, upload.id(), List.of(new PartRequest(1, SUM)))).code());
  }

  @Test
  void cancelAbortsTheMultipartUpload() {
    Upload upload = started(presign(SIZE));
    store.putPart(storeId(upload), 1, 5 * MIB);
    service.delete(ANON, upload.id());
    assertTrue(store.multiparts.isEmpty());
    assertTrue(registry.find(upload.id()).isEmpty());
  }

  @Test
  void storeDownWhileCancellingKeepsEverything() {
    Upload upload = started(presign(SIZE));
    store.down = true;
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, assertThrows(ApiException.class,
        () -> service.delete(ANON, upload.id())).code());
    assertTrue(store.multiparts.containsKey(storeId(upload)));
    assertTrue(registry.find(upload.id()).isPresent());
  }

  @Test
  void expiryAbortsUnfinishedMultipartUploadsAndCompletesFinishedOnes() {
    Upload abandoned = started(presign(SIZE));
    store.putPart(storeId(abandoned), 1, 5 * MIB);
    Upload joined = started(presign(SIZE));
    for (int n = 1; n <= 3; n++) {
      store.putPart(storeId(joined), n, joined.multipart().orElseThrow().sizeOf(n, SIZE));
    }
    // The browser joined the parts (say, through another instance) but never called complete.
    List<StoredPart> parts = store.listParts(joined.key(), storeId(joined)).orElseThrow();
    store.completeMultipart(joined.key(), storeId(joined), parts, true);

    clock.advance(UploadService.MULTIPART_LIFETIME.minusMinutes(1));
    service.expirePending();
    assertEquals(2, registry.pendingCount(), "a day to resume");
    clock.advance(Duration.ofMinutes(2));
    service.expirePending();
    assertTrue(registry.find(abandoned.id()).isEmpty());
    assertFalse(store.multiparts.containsKey(storeId(abandoned)));
    assertTrue(registry.find(joined.id()).orElseThrow().isCompleted());
  }

  @Test
  void anUploadNobodySentAPartOfExpiresWithoutTouchingTheStore() {
    Upload idle = presign(SIZE);
    clock.advance(settings.urlExpiry().plus(UploadService.PENDING_GRACE).plusSeconds(1));
    store.calls.clear();
    service.expirePending();
    assertTrue(registry.find(idle.id()).isEmpty());
    assertTrue(store.calls.stream().noneMatch(c -> c.startsWith("abortMultipart")), store.calls
        .toString());
  }

  @Test
  void theSweeperAbortsOnlyUploadsNobodyCanResume() {
    Upload live = started(presign(SIZE));
    store.multiparts.put("orphan", new FakeStore.Multipart(
        store.multiparts.get(storeId(live)).spec(),
        Instant.now().minus(UploadService.MULTIPART_LIFETIME).minus(Duration.ofHours(2)),
        new java.util.TreeMap<>()));
    clock.set(Instant.now());
    assertEquals(1, service.abortAbandonedMultipart());
    assertEquals(List.of(storeId(live)), List.copyOf(store.multiparts.keySet()));
  }

  @Test
  void aFullIndexRefusesWithoutTouchingTheStore() {
    presign(SIZE);
    presign(SIZE);
    ApiException e = assertThrows(ApiException.class, () -> presign(SIZE));
    assertEquals(ErrorCode.TOO_MANY_PENDING, e.code());
    assertTrue(store.multiparts.isEmpty());
  }

  @Test
  void anotherInstanceSignsAndCompletesFromTheRecordInTheBucket() {
    Upload upload = presign(SIZE);
    String record = "uploads/.direct-upload/multipart/" + upload.id();
    assertTrue(store.records.containsKey(record), "signed with several instances: recorded");
    MemoryRegistry otherRegistry = new MemoryRegistry();
    UploadService other = new UploadService(settings, store, otherRegistry, clock);

    List<SignedPart> parts = other.signParts(ANON, upload.id(),
        List.of(new PartRequest(1, SUM), new PartRequest(2, SUM), new PartRequest(3, SUM)));
    assertEquals(3, parts.size());
    Upload there = otherRegistry.find(upload.id()).orElseThrow();
    assertEquals(upload.multipart().orElseThrow().partSize(),
        there.multipart().orElseThrow().partSize(), "the same plan");
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> other.signParts(Caller.user("mallory"), upload.id(),
            List.of(new PartRequest(1, SUM)))).code());

    // This instance signs more parts: it reads the record and uses the same store upload.
    service.signParts(ANON, upload.id(), List.of(new PartRequest(2, SUM)));
    assertEquals(storeId(there), storeId(registry.find(upload.id()).orElseThrow()));
    assertEquals(1, store.multiparts.size());

    for (int n = 1; n <= 3; n++) {
      store.putPart(storeId(there), n, upload.multipart().orElseThrow().sizeOf(n, SIZE));
    }
    assertTrue(other.complete(ANON, upload.id()).isCompleted());
    assertFalse(store.objects.containsKey(record), "the record goes with the upload");
  }

  @Test
  void aSingleInstanceRecordsAnUploadOnlyWhenItStarts() {
    Settings single = TestSettings.with("multipart-threshold", "5MiB", "part-size", "5MiB",
        "index-refresh", "PT0S");
    try (FakeStore alone = new FakeStore(single)) {
      MemoryRegistry index = new MemoryRegistry();
      UploadService one = new UploadService(single, alone, index, clock);
      Upload upload = one.presign(ANON, new UploadRequest("film.mp4", "video/mp4", SIZE, null))
          .upload();
      assertTrue(alone.records.isEmpty(), "nothing in the store for an upload nobody sends");
      one.signParts(ANON, upload.id(), List.of(new PartRequest(1, SUM)));
      assertEquals(1, alone.records.size(), "recorded when it starts: a restart keeps it");
    }
  }

  @Test
  void aRestartKeepsUnfinishedMultipartUploadsResumable() {
    Upload upload = started(presign(SIZE));
    store.putPart(storeId(upload), 1, 5 * MIB);
    MemoryRegistry fresh = new MemoryRegistry();
    BucketIndex index = new BucketIndex(settings, store, fresh, clock);
    index.load();
    UploadService restarted = new UploadService(settings, store, fresh, clock, index);
    assertEquals(List.of(upload), fresh.pending("anonymous"));
    PartsInStore stored = restarted.storedParts(ANON, upload.id());
    assertEquals(upload.multipart().orElseThrow(), stored.plan());
    assertEquals(1, stored.parts().size());

    restarted.delete(ANON, upload.id());
    assertTrue(store.multiparts.isEmpty());
    assertFalse(store.objects.containsKey("uploads/.direct-upload/multipart/" + upload.id()));
  }

  @Test
  void recordsOfLongGoneUploadsAreSweptWithoutReadingThem() {
    Upload old = presign(SIZE);
    clock.advance(UploadService.MULTIPART_LIFETIME.plus(Duration.ofHours(2)));
    Upload recent = presign(SIZE);
    service.abortAbandonedMultipart();
    assertFalse(store.objects.containsKey("uploads/.direct-upload/multipart/" + old.id()));
    assertTrue(store.objects.containsKey("uploads/.direct-upload/multipart/" + recent.id()));
    assertTrue(store.calls.stream().noneMatch(c -> c.startsWith("getRecord")));
  }

  @Test
  void noRecordNoUploadWhenTheStoreFailsToWriteIt() {
    store.recordsFail = true;
    ApiException e = assertThrows(ApiException.class, () -> presign(SIZE));
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, e.code());
    assertEquals(0, registry.pendingCount());
    assertTrue(store.multiparts.isEmpty());
  }

  @Test
  void aStartWhoseRecordCannotBeWrittenIsAbortedAndTheUploadStaysUnstarted() {
    Upload upload = presign(SIZE);
    store.recordsFail = true;
    assertEquals(ErrorCode.STORAGE_UNAVAILABLE, assertThrows(ApiException.class,
        () -> service.signParts(ANON, upload.id(), List.of(new PartRequest(1, SUM)))).code());
    assertTrue(store.multiparts.isEmpty(), "the multipart upload was aborted");
    assertFalse(registry.find(upload.id()).orElseThrow().multipart().orElseThrow().isStarted());
    store.recordsFail = false;
    Upload started = started(upload);
    assertNotEquals(null, storeId(started));
  }
}
