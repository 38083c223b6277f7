package dev.directupload.testing;

import dev.directupload.config.Settings;
import dev.directupload.storage.ListedObject;
import dev.directupload.storage.MultipartSpec;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.OpenMultipart;
import dev.directupload.storage.PartSpec;
import dev.directupload.storage.PostSpec;
import dev.directupload.storage.PreflightAnswer;
import dev.directupload.storage.PresignedPost;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.storage.StorageException;
import dev.directupload.storage.StoredObject;
import dev.directupload.storage.StoredPart;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A bucket in a map that records every call. Presigning is delegated to the real
 * {@link S3ObjectStore} with fixed fake credentials: signing is local, so what the tests see is
 * what production signs. {@link #down} makes every network call fail like an unreachable store.
 */
public final class FakeStore implements ObjectStore, AutoCloseable {
  public static final String ENDPOINT = "http://127.0.0.1:9";

  public final Map<String, StoredObject> objects = new ConcurrentHashMap<>();
  public final List<String> calls = new CopyOnWriteArrayList<>();
  public volatile boolean down;
  /**
   * How the bucket answers a CORS preflight: by default as a bucket whose rules allow the
   * origin, PUT, every requested header, and expose ETag.
   */
  public volatile BiFunction<String, List<String>, PreflightAnswer> cors = (origin, headers) ->
      new PreflightAnswer(200, Map.of(
          "access-control-allow-origin", origin,
          "access-control-allow-methods", "GET, PUT",
          "access-control-allow-headers", String.join(",", headers),
          "access-control-expose-headers", "ETag"));

  /** Answers for the next HeadObject calls, before the map is asked: a store read half-way. */
  public final java.util.Queue<Optional<StoredObject>> nextHeads =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  /** When set, thrown by every network call: an unexpected bug rather than an outage. */
  public volatile RuntimeException bug;
  private final S3ObjectStore signer;

  public FakeStore(Settings settings) {
    this.signer = S3ObjectStore.create(settings, StaticCredentialsProvider.create(
        AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")));
  }

  /** Puts an object as if a browser had PUT it with exactly the signed headers. */
  public void putAsSigned(PutSpec spec) {
    put(spec.key(), spec.size(), spec.contentType(), spec.metadata(), Instant.now());
  }

  public void put(String key, long size, String contentType, Map<String, String> metadata,
      Instant lastModified) {
    objects.put(key, new StoredObject(key, size, contentType, lastModified, metadata,
        Optional.empty(), Optional.of("\"etag-" + java.util.UUID.randomUUID() + "\""),
        Map.of()));
  }

  /** Puts an object as a browser would with the signed headers, and these leading bytes. */
  public void putAsSigned(PutSpec spec, byte[] leadingBytes) {
    putAsSigned(spec);
    contents.put(spec.key(), leadingBytes.clone());
  }

  /** The leading bytes of objects, by key, for {@link #readFirstBytes}; none means empty. */
  public final Map<String, byte[]> contents = new ConcurrentHashMap<>();

  /** Keys whose object a lenient store made readable by anyone. */
  public final java.util.Set<String> publicKeys = ConcurrentHashMap.newKeySet();

  /** When set, the store cannot tell whether an object is public (no ACL support). */
  public volatile boolean noAcls;

  @Override
  public PresignedPut presignPut(PutSpec spec) {
    calls.add("presignPut " + spec.key());
    lastSpec = spec;
    return signer.presignPut(spec);
  }

  /** The last spec signed, to play the browser's PUT. */
  public volatile PutSpec lastSpec;

  /** An unfinished multipart upload: its spec and the parts "uploaded" so far. */
  public record Multipart(MultipartSpec spec, Instant initiated, Map<Integer, StoredPart> parts) {}

  public final Map<String, Multipart> multiparts = new ConcurrentHashMap<>();

  /** Stores a part as if a browser had PUT it to its signed URL. */
  public void putPart(String uploadId, int partNumber, long size) {
    multiparts.get(uploadId).parts().put(partNumber, new StoredPart(partNumber, size,
        "\"etag-" + partNumber + "\"", Optional.of("sha-" + partNumber)));
  }

  @Override
  public String startMultipart(MultipartSpec spec) {
    calls.add("startMultipart " + spec.key());
    failIfDown();
    String uploadId = "mpu-" + java.util.UUID.randomUUID();
    multiparts.put(uploadId, new Multipart(spec, Instant.now(),
        java.util.Collections.synchronizedMap(new TreeMap<>())));
    return uploadId;
  }

  /** The last form signed, to play the browser's POST. */
  public volatile PostSpec lastPost;

  /** Stores an object as if a browser had POSTed the signed form with a file of {@code size}. */
  public void postAsSigned(PostSpec spec, long size) {
    put(spec.key(), size, spec.contentType(), spec.metadata(), Instant.now());
  }

  @Override
  public PresignedPost presignPost(PostSpec spec) {
    calls.add("presignPost " + spec.key());
    lastPost = spec;
    return signer.presignPost(spec);
  }

  @Override
  public PresignedPut presignPart(PartSpec spec) {
    calls.add("presignPart " + spec.partNumber());
    return signer.presignPart(spec);
  }

  @Override
  public Optional<List<StoredPart>> listParts(String key, String uploadId) {
    calls.add("listParts " + key);
    failIfDown();
    Multipart upload = multiparts.get(uploadId);
    if (upload == null) {
      return Optional.empty();
    }
    synchronized (upload.parts()) {
      return Optional.of(new ArrayList<>(upload.parts().values()));
    }
  }

  @Override
  public boolean completeMultipart(String key, String uploadId, List<StoredPart> parts,
      boolean writeOnce) {
    calls.add("completeMultipart " + key);
    failIfDown();
    Multipart upload = multiparts.remove(uploadId);
    if (upload == null) {
      return false;
    }
    long size = parts.stream().mapToLong(StoredPart::size).sum();
    put(key, size, upload.spec().contentType(), upload.spec().metadata(), Instant.now());
    return true;
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    calls.add("abortMultipart " + key);
    failIfDown();
    multiparts.remove(uploadId);
  }

  @Override
  public void forEachOpenMultipart(String prefix, Consumer<OpenMultipart> sink) {
    calls.add("listMultipart " + prefix);
    failIfDown();
    multiparts.forEach((id, m) -> {
      if (m.spec().key().startsWith(prefix)) {
        sink.accept(new OpenMultipart(m.spec().key(), id, m.initiated()));
      }
    });
  }

  @Override
  public URI presignGet(String key, String contentDisposition, String contentType,
      Duration expiry) {
    calls.add("presignGet " + key);
    return signer.presignGet(key, contentDisposition, contentType, expiry);
  }

  @Override
  public URI publicUrl(String key) {
    return signer.publicUrl(key);
  }

  @Override
  public Optional<StoredObject> head(String key) {
    calls.add("head " + key);
    failIfDown();
    Optional<StoredObject> scripted = nextHeads.poll();
    return scripted != null ? scripted : Optional.ofNullable(objects.get(key));
  }

  @Override
  public Optional<byte[]> readFirstBytes(String key, int max) {
    calls.add("readFirstBytes " + key);
    failIfDown();
    if (!objects.containsKey(key)) {
      return Optional.empty();
    }
    byte[] content = contents.getOrDefault(key, new byte[0]);
    return Optional.of(java.util.Arrays.copyOf(content, Math.min(max, content.length)));
  }

  @Override
  public Optional<Boolean> isPubliclyReadable(String key) {
    calls.add("isPubliclyReadable " + key);
    failIfDown();
    return noAcls ? Optional.empty() : Optional.of(publicKeys.contains(key));
  }

  @Override
  public void delete(String key) {
    calls.add("delete " + key);
    failIfDown();
    objects.remove(key);
    contents.remove(key);
    publicKeys.remove(key);
  }

  @Override
  public void forEachObject(String prefix, Consumer<StoredObject> sink) {
    calls.add("list " + prefix);
    failIfDown();
    objects.values().stream().filter(o -> o.key().startsWith(prefix)
        && !o.key().startsWith(".", prefix.length())).forEach(sink);
  }

  /** Called at the start of every listing, before anything is listed: a test's hook. */
  public volatile Runnable onListing = () -> { };

  /** Lists as S3 does, a page of 1,000 at a time (one "listPage" call recorded per page). */
  @Override
  public void forEachListed(String prefix, String startAfter, String lastKey,
      Consumer<ListedObject> sink) {
    onListing.run();
    calls.add("listPage " + prefix);
    failIfDown();
    List<StoredObject> matching = new ArrayList<>(new TreeMap<>(objects).tailMap(startAfter, false)
        .values().stream().filter(o -> o.key().startsWith(prefix)).toList());
    int inPage = 0;
    for (StoredObject o : matching) {
      if (lastKey != null && o.key().compareTo(lastKey) > 0) {
        return;
      }
      if (inPage == 1000) {
        calls.add("listPage " + prefix);
        failIfDown();
        inPage = 0;
      }
      inPage++;
      sink.accept(new ListedObject(o.key(), o.size(), o.etag(), o.lastModified()));
    }
  }

  /** How many calls of this kind were made, e.g. "head" or "listPage". */
  public long count(String kind) {
    return calls.stream().filter(c -> c.startsWith(kind + " ")).count();
  }

  @Override
  public Optional<StoredObject> findFirst(String prefix) {
    calls.add("findFirst " + prefix);
    failIfDown();
    return objects.values().stream().filter(o -> o.key().startsWith(prefix))
        .min(java.util.Comparator.comparing(StoredObject::key));
  }

  @Override
  public void forEachKey(String prefix, String startAfter, Consumer<String> sink) {
    calls.add("listKeys " + prefix);
    failIfDown();
    objects.keySet().stream().filter(k -> k.startsWith(prefix) && k.compareTo(startAfter) > 0)
        .sorted().forEach(sink);
  }

  /** The bodies of records, by key (their objects are in {@link #objects} too). */
  public final Map<String, byte[]> records = new ConcurrentHashMap<>();

  /** When set, writing a record fails like a store that refuses it. */
  public volatile boolean recordsFail;

  @Override
  public void putRecord(String key, byte[] body) {
    calls.add("putRecord " + key);
    failIfDown();
    if (recordsFail) {
      throw new StorageException("the store refused a record while testing", null);
    }
    put(key, body.length, "text/plain; charset=utf-8", Map.of(), Instant.now());
    records.put(key, body.clone());
  }

  @Override
  public Optional<byte[]> getRecord(String key) {
    calls.add("getRecord " + key);
    failIfDown();
    return objects.containsKey(key) ? Optional.ofNullable(records.get(key)) : Optional.empty();
  }

  @Override
  public void checkBucket(String prefix) {
    calls.add("checkBucket " + prefix);
    failIfDown();
  }

  @Override
  public PreflightAnswer corsPreflight(String key, String origin, List<String> headers) {
    calls.add("preflight " + origin);
    failIfDown();
    return cors.apply(origin, headers);
  }

  /** Closes the real signer's SDK clients, so no test leaves SDK threads behind. */
  @Override
  public void close() {
    signer.close();
  }

  private void failIfDown() {
    if (bug != null) {
      throw bug;
    }
    if (down) {
      throw new StorageException("the store did not answer while testing", null);
    }
  }
}
