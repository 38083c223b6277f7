package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.Upload;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A start fills the index from the bucket without a request per file, and never lists what is
 * not there nor leaves out what is: with a checkpoint present, missing, cut short, altered or
 * old; with files completed or deleted by another instance since the checkpoint; while the store
 * fails; and while requests come in before it is done.
 */
class BucketIndexTest {
  private static final Caller ALICE = Caller.user("alice");
  private final Settings settings = TestSettings.with("max-pending-per-user", "10000");
  private final FakeStore store = new FakeStore(settings);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final MemoryRegistry registry = new MemoryRegistry();
  private final UploadService service = new UploadService(settings, store, registry, clock);

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** {@code n} files completed through the app, spread over the prefix; their ids. */
  private List<String> completed(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      PresignedUpload p = service.presign(ALICE,
          new UploadRequest("file " + i + ".txt", "text/plain", 5L, null));
      store.putAsSigned(store.lastSpec);
      service.complete(ALICE, p.upload().id());
      ids.add(p.upload().id());
    }
    return ids;
  }

  /** A fresh start over the same bucket: a new registry, filled by a new index. */
  private Restart restart() {
    MemoryRegistry fresh = new MemoryRegistry();
    BucketIndex index = new BucketIndex(settings, store, fresh, clock);
    return new Restart(fresh, index, new UploadService(settings, store, fresh, clock, index));
  }

  private record Restart(MemoryRegistry registry, BucketIndex index, UploadService service) {
    BucketIndex.Outcome load() {
      return index.loadAndSay();
    }

    Map<String, List<Object>> files() {
      return visible(registry);
    }
  }

  /** The files as the running app knows them. */
  private Map<String, List<Object>> filesNow() {
    return visible(registry);
  }

  /** What a user sees of each listed file, and what a later check compares: by id. */
  private static Map<String, List<Object>> visible(MemoryRegistry files) {
    return files.page("alice", 1000, Optional.empty()).files().stream()
        .collect(Collectors.toMap(Upload::id, u -> List.of(u.owner(), u.key(), u.filename(),
            u.contentType(), u.size(), u.completedAt(), u.etag(), u.checksumSha256()),
            (a, b) -> a, TreeMap::new));
  }

  private String newestCheckpointKey() {
    return store.objects.keySet().stream()
        .filter(k -> k.startsWith("uploads/.direct-upload/index/checkpoint-"))
        .max(String::compareTo).orElseThrow();
  }

  /** Loads once so that a checkpoint is written (the first load has none to read). */
  private void startOnceToWriteACheckpoint() {
    BucketIndex.Outcome first = restart().load();
    assertTrue(first.checkpointWritten());
    store.calls.clear();
  }

  @Test
  void aStartWithACheckpointReadsNoFileOneByOneAndListsEveryFileAsItWas() {
    completed(2_500);
    startOnceToWriteACheckpoint();
    Restart restart = restart();
    BucketIndex.Outcome outcome = restart.load();
    assertEquals(2_500, outcome.fromCheckpoint());
    assertEquals(0, outcome.readOneByOne());
    assertEquals(0, store.count("head"));
    assertEquals(filesNow(), restart.files());
    long requests = store.calls.size();
    assertTrue(requests <= 2_500 / 1000 + 10, "store requests: " + requests + " " + store.calls);
  }

  @Test
  void withoutACheckpointEveryObjectIsReadAndACheckpointIsWrittenForNextTime() {
    completed(30);
    BucketIndex.Outcome outcome = restart().load();
    assertFalse(outcome.checkpointRead());
    assertEquals(30, outcome.readOneByOne());
    assertTrue(outcome.checkpointWritten());
    assertEquals(0, restart().load().readOneByOne(), "the next start uses it");
  }

  @Test
  void aCheckpointCutShortIsIgnoredForTheOneBeforeIt() {
    completed(10);
    startOnceToWriteACheckpoint();
    completed(5);
    clock.advance(Duration.ofHours(2));
    startOnceToWriteACheckpoint();
    // The newest, cut short as by a writer killed half-way through its PUT.
    String newest = newestCheckpointKey();
    byte[] whole = store.records.get(newest);
    store.records.put(newest, Arrays.copyOf(whole, whole.length / 2));

    Restart restart = restart();
    BucketIndex.Outcome outcome = restart.load();
    assertTrue(outcome.checkpointRead());
    assertEquals(10, outcome.fromCheckpoint());
    assertEquals(5, outcome.readOneByOne(), "the files after the older checkpoint");
    assertEquals(filesNow(), restart.files());
  }

  @Test
  void anAlteredCheckpointIsNeverTrusted() {
    List<String> ids = completed(10);
    startOnceToWriteACheckpoint();
    String newest = newestCheckpointKey();
    byte[] altered = store.records.get(newest).clone();
    altered[altered.length / 2] ^= 0x40;
    store.records.put(newest, altered);

    Restart restart = restart();
    BucketIndex.Outcome outcome = restart.load();
    assertEquals(0, outcome.fromCheckpoint());
    assertEquals(10, outcome.readOneByOne());
    assertEquals(filesNow(), restart.files());
    assertEquals(ids.size(), restart.files().size());
  }

  @Test
  void aMissingCheckpointCostsReadsNotFiles() {
    completed(12);
    startOnceToWriteACheckpoint();
    store.objects.remove(newestCheckpointKey());
    Restart restart = restart();
    assertEquals(12, restart.load().readOneByOne());
    assertEquals(filesNow(), restart.files());
  }

  @Test
  void filesCompletedAndDeletedByAnotherInstanceSinceTheCheckpointAreRight() {
    List<String> ids = completed(20);
    startOnceToWriteACheckpoint();
    UploadService other = new UploadService(settings, store, new MemoryRegistry(), clock);
    PresignedUpload late = other.presign(ALICE, new UploadRequest("late.txt", "text/plain", 5L,
        null));
    store.putAsSigned(store.lastSpec);
    other.complete(ALICE, late.upload().id());
    service.delete(ALICE, ids.get(3));

    Restart restart = restart();
    BucketIndex.Outcome outcome = restart.load();
    assertEquals(1, outcome.readOneByOne(), "only the file the checkpoint does not know");
    assertTrue(restart.files().containsKey(late.upload().id()));
    assertFalse(restart.files().containsKey(ids.get(3)));
    assertEquals(20, restart.files().size());
  }

  @Test
  void anObjectWrittenAgainSinceItWasVerifiedIsNotListed() {
    List<String> ids = completed(3);
    startOnceToWriteACheckpoint();
    Upload first = registry.find(ids.get(0)).orElseThrow();
    StoredObject was = store.objects.get(first.key());
    store.objects.put(first.key(), new StoredObject(was.key(), was.size(), was.contentType(),
        was.lastModified().plusSeconds(9), was.metadata(), was.checksumSha256(),
        Optional.of("\"other-bytes\""), was.servingHeaders()));
    Restart restart = restart();
    restart.load();
    assertFalse(restart.files().containsKey(ids.get(0)));
    assertEquals(2, restart.files().size());
    assertTrue(store.objects.containsKey(first.key()), "kept for an operator to look at");
  }

  @Test
  void anOldCheckpointIsReplacedAfterAStartThatReadFilesOneByOne() {
    completed(5);
    startOnceToWriteACheckpoint();
    completed(1);
    clock.advance(settings.checkpointInterval().plusMinutes(1));
    assertTrue(restart().load().checkpointWritten());
  }

  @Test
  void anEmptyBucketGetsNoCheckpoint() {
    BucketIndex.Outcome outcome = restart().load();
    assertFalse(outcome.checkpointWritten());
    assertTrue(store.objects.isEmpty());
  }

  @Test
  void aCheckpointIsWrittenWhenTheIndexChangedAndNoInstanceWroteOneWithinTheInterval() {
    completed(3);
    Restart restart = restart();
    assertTrue(restart.load().checkpointWritten());
    BucketIndex index = restart.index();
    assertFalse(index.checkpointIfDue(), "nothing changed since the load wrote one");
    PresignedUpload p = restart.service().presign(ALICE,
        new UploadRequest("new.txt", "text/plain", 5L, null));
    store.putAsSigned(store.lastSpec);
    restart.service().complete(ALICE, p.upload().id());
    assertFalse(index.checkpointIfDue(), "one was written within the interval");
    clock.advance(settings.checkpointInterval().plusSeconds(1));
    assertTrue(index.checkpointIfDue());
    assertFalse(index.checkpointIfDue(), "nothing changed since");
    long kept = store.objects.keySet().stream()
        .filter(k -> k.contains("/.direct-upload/index/")).count();
    assertEquals(2, kept, "older checkpoints are deleted");
  }

  @Test
  void aStoreThatFailsWhileLoadingIsReportedAndTheNextLoadFinishes() {
    completed(4);
    Restart restart = restart();
    store.down = true;
    assertThrows(StorageException.class, restart::load);
    assertTrue(restart.index().isLoading());
    assertEquals(Optional.of("the store did not answer while testing"), restart.index().problem());
    assertTrue(restart.service().indexStatus().loading());
    store.down = false;
    restart.load();
    assertFalse(restart.index().isLoading());
    assertEquals(Optional.empty(), restart.index().problem());
    assertEquals(4, restart.files().size());
  }

  @Test
  void requestsWhileLoadingAreAnsweredFromTheCheckpointOrSayTheListIsLoading() {
    List<String> ids = completed(5);
    startOnceToWriteACheckpoint();
    Restart restart = restart();
    List<Object> seen = new ArrayList<>();
    store.onListing = () -> {
      store.onListing = () -> { };
      assertFalse(restart.service().isIndexComplete());
      seen.add(restart.service().downloadUrl(ALICE, ids.get(2)));
      seen.add(assertThrows(ApiException.class, () -> restart.service()
          .downloadUrl(ALICE, UploadIds.next(clock.instant().minus(Duration.ofDays(30)))))
          .code());
    };
    restart.load();
    assertTrue(seen.get(0).toString().contains("X-Amz-Signature="), "recalled: " + seen);
    assertEquals(ErrorCode.INDEX_LOADING, seen.get(1));
    assertTrue(restart.service().isIndexComplete());
  }

  @Test
  void indexesObjectsWrittenThroughTheAppAndIgnoresOthers() {
    PresignedUpload p = service.presign(Caller.anonymous("127.0.0.1"),
        new UploadRequest("Grüße.txt", "text/plain", 12L, null));
    store.putAsSigned(store.lastSpec);
    store.put("uploads/foreign.txt", 5, "text/plain", Map.of(), clock.instant());
    store.put("elsewhere/x.txt", 5, "text/plain", Map.of("upload-id", p.upload().id()),
        clock.instant());

    MemoryRegistry fresh = new MemoryRegistry();
    new BucketIndex(settings, store, fresh, clock).load();
    assertEquals(1, fresh.completedCount());
    Upload rebuilt = fresh.find(p.upload().id()).orElseThrow();
    assertEquals("Grüße.txt", rebuilt.filename());
    assertEquals("anonymous", rebuilt.owner());
    assertEquals(12, rebuilt.size());
    assertTrue(rebuilt.isCompleted());
  }

  @Test
  void keepsTheOwnerOfAFileWhoseNameCannotBeReadAndSkipsOneWhoseOwnerCannot() {
    String named = UploadIds.next(clock.instant());
    String ownerless = UploadIds.next(clock.instant().plusMillis(1));
    store.put("uploads/alice/2026/03/04/" + named + "/notes.txt", 5, "text/plain",
        Map.of("upload-id", named, "filename", "%ZZ", "owner", "alice"), clock.instant());
    store.put("uploads/bob/2026/03/04/" + ownerless + "/notes.txt", 5, "text/plain",
        Map.of("upload-id", ownerless, "filename", "notes.txt", "owner", "b%Z"), clock.instant());

    MemoryRegistry fresh = new MemoryRegistry();
    new BucketIndex(settings, store, fresh, clock).load();
    assertEquals(1, fresh.completedCount());
    Upload rebuilt = fresh.find(named).orElseThrow();
    assertEquals("alice", rebuilt.owner());
    assertEquals("notes.txt", rebuilt.filename());
    assertTrue(fresh.find(ownerless).isEmpty());
  }

  /** A load of a million files of one owner must not hold a million copies of its name. */
  @Test
  void loadedFilesShareOneCopyOfTheirOwnerAndType() {
    List<String> ids = List.of(UploadIds.next(clock.instant()),
        UploadIds.next(clock.instant().plusMillis(1)));
    for (String id : ids) {
      // Each object answers with strings of its own, as a store's listing and HEAD do.
      store.put("uploads/alice/2026/03/04/" + id + "/notes.txt", 5,
          new String("Text/Plain; charset=UTF-8"),
          Map.of("upload-id", id, "filename", "notes.txt", "owner", new String("alice")),
          clock.instant());
    }
    for (int start = 0; start < 2; start++) {
      MemoryRegistry fresh = new MemoryRegistry();
      new BucketIndex(settings, store, fresh, clock).load(); // read one by one, then a checkpoint
      Upload first = fresh.find(ids.get(0)).orElseThrow();
      Upload second = fresh.find(ids.get(1)).orElseThrow();
      assertEquals("alice", first.owner());
      assertEquals("text/plain", first.contentType());
      assertSame(first.owner(), second.owner());
      assertSame(first.contentType(), second.contentType());
    }
  }
}
