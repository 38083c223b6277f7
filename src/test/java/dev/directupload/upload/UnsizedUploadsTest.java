package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Upload;
import dev.directupload.storage.PostSpec;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Uploads of clients that never say the file's size (Uppy): a POST form bound to a size range,
 * noticed by the app when its object arrives, and multipart uploads whose parts the client cuts
 * and names itself. The same rules hold as for our own API, checked when the object exists.
 */
class UnsizedUploadsTest {
  private static final Caller ALICE = Caller.user("alice");
  private static final long MIB = 1 << 20;

  private final Settings settings = TestSettings.with("max-file-size", "20MiB",
      "owner-quota-bytes", "30MiB");
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final UploadService service = new UploadService(settings, store, registry, clock);

  @AfterEach
  void closeStore() {
    store.close();
  }

  private SignedForm form(String filename, String type) {
    return service.presignForm(ALICE, new UppyRequest(filename, type, Map.of()));
  }

  /** Lets the arrival watch come round, as the housekeeping thread does every second or two. */
  private int lookForArrivals() {
    clock.advance(Arrivals.EARLY_LOOK);
    return service.noticeArrivals();
  }

  private List<String> listedNames() {
    return service.files(ALICE, 100, Optional.empty()).files().stream()
        .map(Upload::filename).toList();
  }

  @Test
  void aFormIsBoundToKeyTypeMetadataAndAllowedSizes() {
    SignedForm signed = form("notes.txt", "text/plain");
    PostSpec spec = store.lastPost;
    assertEquals(signed.upload().key(), spec.key());
    assertEquals(signed.upload().key(), signed.post().fields().get("key"));
    assertEquals("text/plain", spec.contentType());
    assertEquals(signed.upload().id(), spec.metadata().get(StoredUploads.META_ID));
    assertEquals(1, spec.minSize());
    assertEquals(20 * MIB, spec.maxSize(), "max-file-size, which the quota leaves whole here");
    assertFalse(signed.upload().isSizeKnown());
    assertEquals(1, registry.pendingCount());
  }

  @Test
  void theObjectIsNoticedAndListedWithItsOwnSizeWithoutAComplete() {
    SignedForm signed = form("notes.txt", "text/plain");
    assertEquals(0, lookForArrivals(), "nothing arrived yet");
    store.postAsSigned(store.lastPost, 1234);
    assertEquals(1, lookForArrivals());
    Upload listed = registry.find(signed.upload().id()).orElseThrow();
    assertTrue(listed.isCompleted());
    assertEquals(1234, listed.size());
    assertEquals(List.of("notes.txt"), listedNames());
    assertEquals(1234, registry.usage("alice").bytes(), "the quota counts the real size");
    assertEquals(0, lookForArrivals(), "a settled upload is no longer looked for");
  }

  @Test
  void anObjectLargerThanAllowedIsDeletedAndNeverListed() {
    form("big.txt", "text/plain");
    // A store that does not enforce content-length-range, or a form replayed elsewhere.
    store.postAsSigned(store.lastPost, 21 * MIB);
    assertEquals(1, lookForArrivals());
    assertEquals(List.of(), listedNames());
    assertFalse(store.objects.containsKey(store.lastPost.key()), "the object went with it");
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void anObjectOfAnotherTypeIsDeleted() {
    form("notes.txt", "text/plain");
    PostSpec spec = store.lastPost;
    store.put(spec.key(), 10, "text/html", spec.metadata(), clock.instant());
    lookForArrivals();
    assertEquals(List.of(), listedNames());
    assertFalse(store.objects.containsKey(spec.key()));
  }

  @Test
  void aFormLeavesOnlyWhatTheQuotaLeavesAndAFileOverItIsRefused() {
    form("first.txt", "text/plain");
    store.postAsSigned(store.lastPost, 18 * MIB);
    lookForArrivals();
    form("second.txt", "text/plain");
    assertEquals(12 * MIB, store.lastPost.maxSize(), "30 MiB quota, 18 MiB used");
    store.postAsSigned(store.lastPost, 13 * MIB); // more than the form allowed
    lookForArrivals();
    assertEquals(List.of("first.txt"), listedNames());
    store.postAsSigned(store.lastPost, 12 * MIB);
    // Quota used to the byte: no form can be signed any more.
    form("third.txt", "text/plain");
    store.postAsSigned(store.lastPost, 12 * MIB);
    lookForArrivals();
    ApiException full = assertThrows(ApiException.class, () -> form("fourth.txt", "text/plain"));
    assertEquals(ErrorCode.QUOTA_EXCEEDED, full.code());
  }

  @Test
  void theSameNameAndTypeRulesApply() {
    ApiException type = assertThrows(ApiException.class,
        () -> form("script.exe", "application/x-msdownload"));
    assertEquals(ErrorCode.TYPE_NOT_ALLOWED, type.code());
    ApiException name = assertThrows(ApiException.class, () -> form("", "text/plain"));
    assertEquals(ErrorCode.INVALID_FILENAME, name.code());
    assertEquals(0, registry.pendingCount(), "nothing half-made");
    assertTrue(store.calls.stream().noneMatch(c -> c.startsWith("presignPost")));
  }

  @Test
  void uppysMetaFieldsAreStoredButNotItsNameTypeOrNulls() {
    Map<String, String> meta = new LinkedHashMap<>();
    meta.put("name", "notes.txt");
    meta.put("type", "text/plain");
    meta.put("relativePath", "null");
    meta.put("Caption", "Été 2026");
    service.presignForm(ALICE, new UppyRequest("notes.txt", "text/plain", meta));
    Map<String, String> stored = store.lastPost.metadata();
    assertEquals("%C3%89t%C3%A9%202026", stored.get("caption"));
    assertFalse(stored.containsKey("name"));
    assertFalse(stored.containsKey("relativepath"));
    assertEquals("notes.txt", stored.get(StoredUploads.META_FILENAME));
  }

  @Test
  void metaFieldsCannotTakeTheServersNames() {
    ApiException e = assertThrows(ApiException.class, () -> service.presignForm(ALICE,
        new UppyRequest("notes.txt", "text/plain", Map.of("owner", "bob"))));
    assertEquals(ErrorCode.INVALID_REQUEST, e.code());
    ApiException odd = assertThrows(ApiException.class, () -> service.presignForm(ALICE,
        new UppyRequest("notes.txt", "text/plain", Map.of("bad name", "x"))));
    assertEquals(ErrorCode.INVALID_REQUEST, odd.code());
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void aDeletedFormUploadIsNoLongerLookedFor() {
    SignedForm signed = form("notes.txt", "text/plain");
    service.delete(ALICE, signed.upload().id());
    store.postAsSigned(store.lastPost, 10);
    assertEquals(0, lookForArrivals());
    assertEquals(List.of(), listedNames());
  }

  @Test
  void anUploadNobodyFinishesIsLookedForLessOftenThenLeftToExpiry() {
    form("notes.txt", "text/plain");
    lookForArrivals();
    long heads = store.count("head");
    clock.advance(Duration.ofMinutes(2));
    service.noticeArrivals();
    service.noticeArrivals(); // at once again: not due yet
    assertEquals(heads + 1, store.count("head"));
    clock.advance(Arrivals.EARLY_LOOK);
    service.noticeArrivals();
    assertEquals(heads + 1, store.count("head"), "after the first minute, every 5 s");
    clock.advance(Arrivals.LATE_LOOK);
    service.noticeArrivals();
    assertEquals(heads + 2, store.count("head"));
  }

  // --- multipart uploads whose parts the client cuts ---

  private Upload startMultipart() {
    return service.startMultipart(ALICE, new UppyRequest("film.mp4", "video/mp4", Map.of()));
  }

  private String storeId(Upload upload) {
    return registry.find(upload.id()).orElseThrow().multipart().orElseThrow().storeUploadId()
        .orElseThrow();
  }

  @Test
  void partsAreSignedWithoutLengthOrChecksumAndJoinedAsTheClientNamesThem() {
    Upload upload = startMultipart();
    assertTrue(store.multiparts.isEmpty(), "nothing in the store before a part is signed");
    SignedPart part1 = service.signPart(ALICE, upload.id(), upload.key(), 1);
    assertFalse(part1.put().headers().containsKey("content-length"), "any length");
    assertFalse(part1.put().headers().containsKey("x-amz-checksum-sha256"));
    String mpu = storeId(upload);
    assertFalse(store.multiparts.get(mpu).spec().partChecksums(),
        "the store is not told to expect checksums Uppy never sends");
    service.signPart(ALICE, upload.id(), upload.key(), 2);
    store.putPart(mpu, 1, 6 * MIB);
    store.putPart(mpu, 2, 1000);
    assertEquals(2, service.storedParts(ALICE, upload.id(), upload.key()).parts().size());
    // Uppy 6 strips the quotes from ETags, Uppy 5 keeps them: both join.
    Upload done = service.completeParts(ALICE, upload.id(), upload.key(),
        List.of(new ClientPart(2, "etag-2"), new ClientPart(1, "\"etag-1\"")));
    assertTrue(done.isCompleted());
    assertEquals(6 * MIB + 1000, done.size());
    assertEquals(List.of("film.mp4"), listedNames());
    assertEquals(done, service.completeParts(ALICE, upload.id(), upload.key(),
        List.of(new ClientPart(1, "whatever"))), "a completed upload answers as it is");
  }

  @Test
  void aPartWithAnotherEtagOrTooSmallIsRefusedAndThePartsKept() {
    Upload upload = startMultipart();
    service.signPart(ALICE, upload.id(), upload.key(), 1);
    String mpu = storeId(upload);
    store.putPart(mpu, 1, 1000);
    store.putPart(mpu, 2, 1000);
    ApiException etag = assertThrows(ApiException.class, () -> service.completeParts(ALICE,
        upload.id(), upload.key(), List.of(new ClientPart(1, "\"forged\""))));
    assertEquals(ErrorCode.INVALID_REQUEST, etag.code());
    ApiException small = assertThrows(ApiException.class, () -> service.completeParts(ALICE,
        upload.id(), upload.key(), List.of(new ClientPart(1, "etag-1"),
            new ClientPart(2, "etag-2"))));
    assertEquals(ErrorCode.INVALID_REQUEST, small.code());
    assertTrue(small.getMessage().contains("5 MiB"), small.getMessage());
    ApiException missing = assertThrows(ApiException.class, () -> service.completeParts(ALICE,
        upload.id(), upload.key(), List.of(new ClientPart(3, "etag-3"))));
    assertEquals(ErrorCode.NOT_UPLOADED, missing.code());
    assertEquals(2, store.multiparts.get(mpu).parts().size(), "the parts stay for a retry");
  }

  @Test
  void partsOverTheMaximumAreRefusedToSignAndToJoin() {
    Upload upload = startMultipart();
    service.signPart(ALICE, upload.id(), upload.key(), 1);
    String mpu = storeId(upload);
    store.putPart(mpu, 1, 15 * MIB);
    service.signPart(ALICE, upload.id(), upload.key(), 2); // 15 of 20 MiB: still room
    store.putPart(mpu, 2, 6 * MIB);
    ApiException sign = assertThrows(ApiException.class,
        () -> service.signPart(ALICE, upload.id(), upload.key(), 3));
    assertEquals(ErrorCode.FILE_TOO_LARGE, sign.code());
    ApiException join = assertThrows(ApiException.class, () -> service.completeParts(ALICE,
        upload.id(), upload.key(), List.of(new ClientPart(1, "etag-1"),
            new ClientPart(2, "etag-2"))));
    assertEquals(ErrorCode.FILE_TOO_LARGE, join.code());
    assertFalse(store.multiparts.containsKey(mpu), "the parts were aborted");
    assertTrue(registry.find(upload.id()).isEmpty());
    // Uppy 5 aborts after the error: answered as done, not 404.
    service.cancelMultipart(ALICE, upload.id(), upload.key());
    assertFalse(store.objects.containsKey(upload.key()));
  }

  @Test
  void theKeyMustBeTheUploadsAndTheRoutesMustMatchTheKindOfUpload() {
    Upload upload = startMultipart();
    ApiException wrongKey = assertThrows(ApiException.class,
        () -> service.signPart(ALICE, upload.id(), "uploads/other/key", 1));
    assertEquals(ErrorCode.NOT_FOUND, wrongKey.code());
    ApiException bob = assertThrows(ApiException.class,
        () -> service.signPart(Caller.user("bob"), upload.id(), upload.key(), 1));
    assertEquals(ErrorCode.NOT_FOUND, bob.code(), "someone else's upload is not there");
    ApiException ours = assertThrows(ApiException.class,
        () -> service.complete(ALICE, upload.id()));
    assertEquals(ErrorCode.INVALID_REQUEST, ours.code());
    ApiException number = assertThrows(ApiException.class,
        () -> service.signPart(ALICE, upload.id(), upload.key(), 10_001));
    assertEquals(ErrorCode.INVALID_REQUEST, number.code());
  }

  @Test
  void cancellingAbortsThePartsButNeverDeletesACompletedFile() {
    Upload upload = startMultipart();
    service.signPart(ALICE, upload.id(), upload.key(), 1);
    String mpu = storeId(upload);
    service.cancelMultipart(ALICE, upload.id(), upload.key());
    assertFalse(store.multiparts.containsKey(mpu));
    assertTrue(registry.find(upload.id()).isEmpty());

    Upload other = startMultipart();
    service.signPart(ALICE, other.id(), other.key(), 1);
    store.putPart(storeId(other), 1, 100);
    service.completeParts(ALICE, other.id(), other.key(), List.of(new ClientPart(1, "etag-1")));
    ApiException e = assertThrows(ApiException.class,
        () -> service.cancelMultipart(ALICE, other.id(), other.key()));
    assertEquals(ErrorCode.ALREADY_COMPLETED, e.code());
    assertEquals(List.of("film.mp4"), listedNames());
  }
}
