package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Upload;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.StoredObject;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What one caller cannot do to the others or to what is listed: take everyone's room, list an
 * object that carries more than was signed or content other than its type, bring a deleted file
 * back with a URL that still lives, serve an object written again after it was verified, or make
 * the store work for made-up ids.
 */
class DefencesTest {
  private static final byte[] TEXT = "hello, world".getBytes(StandardCharsets.UTF_8);

  private final Settings settings = TestSettings.with("max-pending-per-user", "2",
      "allowed-types", "text/plain,image/*,image/svg+xml");
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final UploadService service = new UploadService(settings, store, registry, clock);
  private final Caller alice = Caller.user("alice");

  @AfterEach
  void closeStore() {
    store.close();
  }

  private PresignedUpload presign(Caller caller, String name, String type, long size) {
    return service.presign(caller, new UploadRequest(name, type, size, null));
  }

  /** A text upload whose object arrived exactly as signed. */
  private Upload uploaded(Caller caller) {
    PresignedUpload p = presign(caller, "a.txt", "text/plain", TEXT.length);
    store.putAsSigned(store.lastSpec, TEXT);
    return p.upload();
  }

  @Test
  void oneAnonymousNetworkAtItsLimitLeavesRoomForAnother() {
    Caller first = Caller.anonymous("203.0.113.5");
    presign(first, "a.txt", "text/plain", 1);
    presign(first, "b.txt", "text/plain", 1);
    ApiException e = assertThrows(ApiException.class,
        () -> presign(first, "c.txt", "text/plain", 1));
    assertEquals(ErrorCode.PENDING_LIMIT, e.code());
    assertEquals(429, e.code().httpStatus());
    assertTrue(e.getMessage().contains("2 unfinished uploads"), e.getMessage());
    presign(Caller.anonymous("198.51.100.7"), "d.txt", "text/plain", 1);
    presign(alice, "e.txt", "text/plain", 1);
    assertEquals(4, registry.pendingCount());
  }

  @Test
  void oneIpv6CallerIsCountedByItsNetworkNotByEachAddress() {
    presign(Caller.anonymous("2001:db8:1:2::10"), "a.txt", "text/plain", 1);
    presign(Caller.anonymous("2001:db8:1:2:ffff::1"), "b.txt", "text/plain", 1);
    assertEquals(ErrorCode.PENDING_LIMIT, assertThrows(ApiException.class,
        () -> presign(Caller.anonymous("2001:db8:1:2::99"), "c.txt", "text/plain", 1)).code());
    presign(Caller.anonymous("2001:db8:1:3::10"), "d.txt", "text/plain", 1);
  }

  @Test
  void completingOrCancellingGivesTheCallerRoomAgain() {
    Upload first = uploaded(alice);
    presign(alice, "b.txt", "text/plain", 1);
    service.complete(alice, first.id());
    Upload third = presign(alice, "c.txt", "text/plain", 1).upload();
    service.delete(alice, third.id());
    presign(alice, "d.txt", "text/plain", 1);
  }

  @Test
  void extraMetadataStoredWithTheObjectIsRefusedAndTheObjectDeleted() {
    PresignedUpload p = presign(alice, "a.txt", "text/plain", TEXT.length);
    PutSpec spec = store.lastSpec;
    Map<String, String> metadata = new HashMap<>(spec.metadata());
    metadata.put("extra", "1");
    store.put(spec.key(), TEXT.length, "text/plain", metadata, clock.instant());
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(alice, p.upload().id()));
    assertEquals(ErrorCode.OBJECT_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("x-amz-meta-extra"), e.getMessage());
    assertFalse(store.objects.containsKey(spec.key()));
    assertTrue(registry.find(p.upload().id()).isEmpty());
  }

  @Test
  void aHeaderThatChangesHowTheObjectIsServedIsRefused() {
    for (String header : new String[] {"content-encoding", "cache-control",
        "x-amz-storage-class", "x-amz-website-redirect-location", "content-disposition"}) {
      PresignedUpload p = presign(alice, "a.txt", "text/plain", TEXT.length);
      PutSpec spec = store.lastSpec;
      store.objects.put(spec.key(), new StoredObject(spec.key(), TEXT.length, "text/plain",
          clock.instant(), spec.metadata(), Optional.empty(), Optional.of("\"e\""),
          Map.of(header, "x")));
      ApiException e = assertThrows(ApiException.class,
          () -> service.complete(alice, p.upload().id()), header);
      assertEquals(ErrorCode.OBJECT_MISMATCH, e.code(), header);
      assertTrue(e.getMessage().contains(header), e.getMessage());
      assertFalse(store.objects.containsKey(spec.key()), header);
    }
  }

  @Test
  void aCacheControlThatOnlyForbidsCachingPassesOneThatAllowsItDoesNot() {
    for (String value : new String[] {"no-cache", "no-store, no-cache, max-age=0"}) {
      PresignedUpload p = presign(alice, "a.txt", "text/plain", TEXT.length);
      PutSpec spec = store.lastSpec;
      store.objects.put(spec.key(), new StoredObject(spec.key(), TEXT.length, "text/plain",
          clock.instant(), spec.metadata(), Optional.empty(), Optional.of("\"e\""),
          Map.of("cache-control", value)));
      assertTrue(service.complete(alice, p.upload().id()).isCompleted(), value);
    }
    PresignedUpload p = presign(alice, "a.txt", "text/plain", TEXT.length);
    PutSpec spec = store.lastSpec;
    store.objects.put(spec.key(), new StoredObject(spec.key(), TEXT.length, "text/plain",
        clock.instant(), spec.metadata(), Optional.empty(), Optional.of("\"e\""),
        Map.of("cache-control", "no-cache, max-age=31536000")));
    assertEquals(ErrorCode.OBJECT_MISMATCH, assertThrows(ApiException.class,
        () -> service.complete(alice, p.upload().id())).code());
  }

  @Test
  void aPublicGrantThatWasNotSignedIsRefused() {
    Upload upload = uploaded(alice);
    store.publicKeys.add(upload.key());
    ApiException e = assertThrows(ApiException.class, () -> service.complete(alice, upload.id()));
    assertEquals(ErrorCode.OBJECT_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("readable by anyone"), e.getMessage());
    assertFalse(store.objects.containsKey(upload.key()));
  }

  @Test
  void aStoreWithoutAclsStillCompletes() {
    store.noAcls = true;
    Upload upload = uploaded(alice);
    assertTrue(service.complete(alice, upload.id()).isCompleted());
  }

  @Test
  void contentThatContradictsTheDeclaredTypeIsRefusedAndDeleted() {
    PresignedUpload p = presign(alice, "cat.png", "image/png", 40);
    store.putAsSigned(store.lastSpec,
        "<html><script>alert(document.cookie)</script></html>".getBytes(StandardCharsets.UTF_8));
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(alice, p.upload().id()));
    assertEquals(ErrorCode.TYPE_MISMATCH, e.code());
    assertEquals(422, e.code().httpStatus());
    assertTrue(e.getMessage().contains("text/html"), e.getMessage());
    assertFalse(store.objects.containsKey(p.upload().key()));
  }

  @Test
  void aScriptableTypeIsAllowedOnlyByNameAndSignedToDownload() {
    Settings wildcard = TestSettings.with("allowed-types", "image/*");
    assertEquals(ErrorCode.TYPE_NOT_ALLOWED, assertThrows(ApiException.class,
        () -> new UploadRules(wildcard).contentType("image/svg+xml")).code());
    presign(alice, "logo.svg", "image/svg+xml", 10);
    assertEquals(Optional.of("attachment"), store.lastSpec.contentDisposition());
    presign(alice, "cat.png", "image/png", 10);
    assertEquals(Optional.empty(), store.lastSpec.contentDisposition());
  }

  @Test
  void putsAreSignedToWriteOnlyOnce() {
    presign(alice, "a.txt", "text/plain", 1);
    assertTrue(store.lastSpec.writeOnce());
  }

  @Test
  void aDeletedIdStaysDeletedWhileItsUrlLivesAndTheObjectIsSweptAfter() {
    Upload upload = uploaded(alice);
    service.complete(alice, upload.id());
    PutSpec spec = store.lastSpec;
    service.delete(alice, upload.id());
    store.putAsSigned(spec, TEXT); // the same URL, used again after the delete

    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.complete(alice, upload.id())).code());
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.downloadUrl(alice, upload.id())).code());
    assertEquals(0, service.files(alice, null, Optional.empty()).files().size());
    assertTrue(store.calls.stream().noneMatch(c -> c.startsWith("findFirst")),
        "no look in the bucket for an id known to be deleted");

    clock.advance(settings.urlExpiry().plus(UploadService.PENDING_GRACE).plusSeconds(1));
    assertEquals(1, service.sweepTombstones());
    assertFalse(store.objects.containsKey(upload.key()));
    assertFalse(registry.isRemoved(upload.id()));
  }

  @Test
  void anotherInstanceAndARestartKnowTheDeletedIdToo() {
    Upload upload = uploaded(alice);
    service.complete(alice, upload.id());
    PutSpec spec = store.lastSpec;
    service.delete(alice, upload.id());
    store.putAsSigned(spec, TEXT);

    UploadService other = new UploadService(settings, store, new MemoryRegistry(), clock);
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> other.complete(alice, upload.id())).code());
    MemoryRegistry afterRestart = new MemoryRegistry();
    new BucketIndex(settings, store, afterRestart, clock).load();
    assertEquals(0, afterRestart.completedCount());
    assertTrue(afterRestart.isRemoved(upload.id()));
  }

  @Test
  void anotherInstanceChecksAnObjectItWasNeverAskedToComplete() {
    PresignedUpload p = presign(alice, "cat.png", "image/png", 40);
    store.putAsSigned(store.lastSpec,
        "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>1</script></svg>"
            .getBytes(StandardCharsets.UTF_8));
    UploadService other = new UploadService(settings, store, new MemoryRegistry(), clock);
    assertEquals(ErrorCode.TYPE_MISMATCH, assertThrows(ApiException.class,
        () -> other.complete(alice, p.upload().id())).code());
    assertFalse(store.objects.containsKey(p.upload().key()));
  }

  @Test
  void aCancelledUploadsObjectWrittenLaterIsSweptToo() {
    PresignedUpload p = presign(alice, "a.txt", "text/plain", TEXT.length);
    service.delete(alice, p.upload().id());
    store.putAsSigned(store.lastSpec, TEXT);
    clock.advance(settings.urlExpiry().plus(UploadService.PENDING_GRACE).plusSeconds(1));
    assertEquals(1, service.sweepTombstones());
    assertFalse(store.objects.containsKey(p.upload().key()));
  }

  @Test
  void anObjectWrittenAgainAfterItWasVerifiedIsNotServedAsTheFile() {
    Upload upload = uploaded(alice);
    service.complete(alice, upload.id());
    store.putAsSigned(store.lastSpec, "HELLO, WORLD".getBytes(StandardCharsets.UTF_8));
    ApiException e = assertThrows(ApiException.class,
        () -> service.downloadUrl(alice, upload.id()));
    assertEquals(ErrorCode.OBJECT_CHANGED, e.code());
    assertEquals(0, service.files(alice, null, Optional.empty()).files().size());
    assertFalse(store.objects.containsKey(upload.key()));
  }

  @Test
  void anUnchangedObjectIsServed() {
    Upload upload = uploaded(alice);
    service.complete(alice, upload.id());
    assertTrue(service.downloadUrl(alice, upload.id()).toString().contains("X-Amz-Signature="));
  }

  @Test
  void madeUpIdsCostOneLookEachAndAreLimitedPerClient() {
    Caller prober = Caller.anonymous("203.0.113.9");
    String made = UploadIds.next(clock.instant());
    for (int i = 0; i < 5; i++) {
      assertThrows(ApiException.class, () -> service.complete(prober, made));
    }
    assertEquals(1, store.calls.stream().filter(c -> c.startsWith("findFirst")).count(),
        "a miss is remembered");
    for (int i = 1; i < StoreLookups.PER_MINUTE; i++) {
      String id = UploadIds.next(clock.instant());
      assertEquals(ErrorCode.NOT_FOUND,
          assertThrows(ApiException.class, () -> service.complete(prober, id)).code());
    }
    ApiException e = assertThrows(ApiException.class,
        () -> service.complete(prober, UploadIds.next(clock.instant())));
    assertEquals(ErrorCode.TOO_MANY_REQUESTS, e.code());
    assertTrue(e.retryAfterSeconds() > 0);
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.complete(Caller.anonymous("198.51.100.1"),
            UploadIds.next(clock.instant()))).code(), "other clients are not affected");
    clock.advance(Duration.ofSeconds(61));
    assertEquals(ErrorCode.NOT_FOUND, assertThrows(ApiException.class,
        () -> service.complete(prober, UploadIds.next(clock.instant()))).code());
  }

  @Test
  void healthAsksTheStoreAtMostEveryFewSeconds() {
    service.health("http://localhost:8080");
    service.health("http://localhost:8080");
    assertEquals(1, store.calls.stream().filter(c -> c.startsWith("checkBucket")).count());
    store.down = true;
    assertTrue(service.health("http://localhost:8080").up(), "cached");
    clock.advance(UploadService.HEALTH_CACHE);
    assertFalse(service.health("http://localhost:8080").up());
  }

  @Test
  void healthListsOnlyUnderTheKeyPrefix() {
    service.health("http://localhost:8080");
    assertTrue(store.calls.contains("checkBucket uploads/"), store.calls.toString());
  }

  @Test
  void ownersWhoseNamesFoldAlikeGetFoldersOfTheirOwn() {
    String spaced = presign(Caller.user("alice smith"), "a.txt", "text/plain", 1).upload().key();
    String underscored =
        presign(Caller.user("alice_smith"), "a.txt", "text/plain", 1).upload().key();
    String dotted = presign(Caller.user(".direct-upload"), "a.txt", "text/plain", 1).upload().key();
    assertTrue(spaced.startsWith("uploads/alice_20smith/"), spaced);
    assertTrue(underscored.startsWith("uploads/alice_5Fsmith/"), underscored);
    assertTrue(dotted.startsWith("uploads/_2Edirect-upload/"), "never the records' folder");
    assertNotEquals(OwnerFolders.of("a".repeat(500)), OwnerFolders.of("a".repeat(501)));
    assertTrue(OwnerFolders.of("a".repeat(500)).length() <= OwnerFolders.MAX_LENGTH);
  }
}
