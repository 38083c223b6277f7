package dev.directupload.ops;

import dev.directupload.storage.ListedObject;
import dev.directupload.storage.MultipartSpec;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.OpenMultipart;
import dev.directupload.storage.PartSpec;
import dev.directupload.storage.PreflightAnswer;
import dev.directupload.storage.PostSpec;
import dev.directupload.storage.PresignedPost;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import dev.directupload.storage.StoredPart;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.net.URI;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The store, timed: every call that goes to the store is recorded in a histogram by operation,
 * and each one that fails ({@link StorageException}) is counted. Presigning is local computation
 * and is not timed; each part signed is counted. A listing's time includes what its caller does
 * with each object (it is handed over while the listing goes on).
 */
final class MeteredStore implements ObjectStore {
  static final String DURATION = "direct_upload.store.request.duration";
  static final String ERRORS = "direct_upload.store.errors";
  static final String PARTS_SIGNED = "direct_upload.parts.signed";
  /** From a HeadObject on a nearby store to one that hangs until storage-timeout. */
  private static final Duration[] BUCKETS = {Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
      Duration.ofSeconds(30)};

  /** The store's operations, named as the port's methods are. */
  enum Call {
    START_MULTIPART, LIST_PARTS, COMPLETE_MULTIPART, ABORT_MULTIPART, FOR_EACH_OPEN_MULTIPART,
    HEAD, READ_FIRST_BYTES, IS_PUBLICLY_READABLE, DELETE, FOR_EACH_OBJECT, FOR_EACH_LISTED,
    FIND_FIRST, FOR_EACH_KEY, PUT_RECORD, GET_RECORD, CHECK_BUCKET, CORS_PREFLIGHT;

    String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private record Meters(Timer timer, Counter errors) {}

  private final ObjectStore store;
  private final Map<Call, Meters> meters = new EnumMap<>(Call.class);
  private final Counter partsSigned;

  MeteredStore(ObjectStore store, MeterRegistry registry) {
    this.store = store;
    for (Call call : Call.values()) {
      meters.put(call, new Meters(
          Timer.builder(DURATION)
              .description("Calls to the object store, by operation, failed ones included")
              .tag("operation", call.label())
              .serviceLevelObjectives(BUCKETS)
              .register(registry),
          Counter.builder(ERRORS)
              .description("Calls to the object store that failed (unreachable, timed out,"
                  + " refused), by operation")
              .tag("operation", call.label())
              .register(registry)));
    }
    this.partsSigned = Counter.builder(PARTS_SIGNED)
        .description("Parts of multipart uploads signed")
        .register(registry);
  }

  private <T> T timed(Call call, Supplier<T> work) {
    Meters m = meters.get(call);
    long start = System.nanoTime();
    try {
      return work.get();
    } catch (StorageException e) {
      m.errors().increment();
      throw e;
    } finally {
      m.timer().record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
    }
  }

  private void timed(Call call, Runnable work) {
    timed(call, () -> {
      work.run();
      return null;
    });
  }

  @Override
  public PresignedPut presignPut(PutSpec spec) {
    return store.presignPut(spec);
  }

  @Override
  public PresignedPost presignPost(PostSpec spec) {
    return store.presignPost(spec);
  }

  @Override
  public String startMultipart(MultipartSpec spec) {
    return timed(Call.START_MULTIPART, () -> store.startMultipart(spec));
  }

  @Override
  public PresignedPut presignPart(PartSpec spec) {
    PresignedPut signed = store.presignPart(spec);
    partsSigned.increment();
    return signed;
  }

  @Override
  public Optional<List<StoredPart>> listParts(String key, String uploadId) {
    return timed(Call.LIST_PARTS, () -> store.listParts(key, uploadId));
  }

  @Override
  public boolean completeMultipart(String key, String uploadId, List<StoredPart> parts,
      boolean writeOnce) {
    return timed(Call.COMPLETE_MULTIPART,
        () -> store.completeMultipart(key, uploadId, parts, writeOnce));
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    timed(Call.ABORT_MULTIPART, () -> store.abortMultipart(key, uploadId));
  }

  @Override
  public void forEachOpenMultipart(String prefix, Consumer<OpenMultipart> sink) {
    timed(Call.FOR_EACH_OPEN_MULTIPART, () -> store.forEachOpenMultipart(prefix, sink));
  }

  @Override
  public URI presignGet(String key, String contentDisposition, String contentType,
      Duration expiry) {
    return store.presignGet(key, contentDisposition, contentType, expiry);
  }

  @Override
  public URI publicUrl(String key) {
    return store.publicUrl(key);
  }

  @Override
  public Optional<StoredObject> head(String key) {
    return timed(Call.HEAD, () -> store.head(key));
  }

  @Override
  public Optional<byte[]> readFirstBytes(String key, int max) {
    return timed(Call.READ_FIRST_BYTES, () -> store.readFirstBytes(key, max));
  }

  @Override
  public Optional<Boolean> isPubliclyReadable(String key) {
    return timed(Call.IS_PUBLICLY_READABLE, () -> store.isPubliclyReadable(key));
  }

  @Override
  public void delete(String key) {
    timed(Call.DELETE, () -> store.delete(key));
  }

  @Override
  public void forEachObject(String prefix, Consumer<StoredObject> sink) {
    timed(Call.FOR_EACH_OBJECT, () -> store.forEachObject(prefix, sink));
  }

  @Override
  public void forEachListed(String prefix, String startAfter, String lastKey,
      Consumer<ListedObject> sink) {
    timed(Call.FOR_EACH_LISTED, () -> store.forEachListed(prefix, startAfter, lastKey, sink));
  }

  @Override
  public Optional<StoredObject> findFirst(String prefix) {
    return timed(Call.FIND_FIRST, () -> store.findFirst(prefix));
  }

  @Override
  public void forEachKey(String prefix, String startAfter, Consumer<String> sink) {
    timed(Call.FOR_EACH_KEY, () -> store.forEachKey(prefix, startAfter, sink));
  }

  @Override
  public void putRecord(String key, byte[] body) {
    timed(Call.PUT_RECORD, () -> store.putRecord(key, body));
  }

  @Override
  public Optional<byte[]> getRecord(String key) {
    return timed(Call.GET_RECORD, () -> store.getRecord(key));
  }

  @Override
  public void checkBucket(String prefix) {
    timed(Call.CHECK_BUCKET, () -> store.checkBucket(prefix));
  }

  @Override
  public PreflightAnswer corsPreflight(String key, String origin, List<String> headers) {
    return timed(Call.CORS_PREFLIGHT, () -> store.corsPreflight(key, origin, headers));
  }
}
