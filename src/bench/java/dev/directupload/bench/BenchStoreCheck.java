package dev.directupload.bench;

import dev.directupload.config.Settings;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.storage.StoredObject;
import dev.directupload.upload.PercentEncoding;
import dev.directupload.upload.UploadIds;
import dev.directupload.upload.UploadRules;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Proves {@link BenchS3} and {@link DelayingProxy} with the application's own client: the real
 * {@link S3ObjectStore} (AWS SDK v2, Apache5, path-style, checksums when required) talks to
 * BenchS3 through a 25 ms DelayingProxy, and every answer it needs is checked: listing 2,500
 * filled objects across pages (from the start and with start-after), HeadObject of each with
 * the metadata the application reads, presigned PUTs (metadata, checksum, If-None-Match: *
 * answered 412), SDK PUTs, ranged and whole GETs, DELETE, CORS preflight, and 501 for what is not
 * implemented. Prints one line per check and ends with "ALL OK", or throws at the first failure.
 *
 * <pre>mvn -q -Pbench test-compile exec:exec@storecheck</pre>
 */
public final class BenchStoreCheck {
  private static final String PREFIX = "uploads/";
  private static final Duration DELAY = Duration.ofMillis(25);

  private BenchStoreCheck() {}

  public static void main(String[] args) throws Exception {
    try (BenchS3 s3 = BenchS3.start();
        DelayingProxy proxy = DelayingProxy.start(s3.port(), DELAY);
        S3ObjectStore store = S3ObjectStore.create(settings(s3, proxy.endpoint()),
            StaticCredentialsProvider.create(AwsBasicCredentials.create("bench", "bench")))) {
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      int total = s3.fill(2500, Fill.defaults().withOwners(Fill.users(3)));
      check(total == 2500, "filled 2500 objects", total);
      List<String> keys = new ArrayList<>(s3.keys());
      for (String key : keys.subList(0, 50)) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        check(UploadRules.keySafeName(name).equals(name), "names are kept in keys as they are",
            key);
      }

      store.checkBucket(PREFIX);
      ok("checkBucket (ListObjectsV2 max-keys=1)");

      s3.resetCounts();
      List<String> listed = new ArrayList<>();
      store.forEachKey(PREFIX, "", listed::add);
      check(listed.equals(keys), "forEachKey lists all 2500 keys in S3's order", listed.size());
      check(s3.count(BenchS3.Op.LIST) == 3, "2500 keys take 3 pages of 1000",
          s3.count(BenchS3.Op.LIST));
      ok("listed 2500 keys in " + s3.count(BenchS3.Op.LIST) + " pages");

      s3.resetCounts();
      String startAfter = keys.get(1234);
      List<String> rest = new ArrayList<>();
      store.forEachKey(PREFIX, startAfter, rest::add);
      check(rest.equals(keys.subList(1235, keys.size())),
          "start-after key #1234 lists the 1265 keys after it", rest.size());
      check(s3.count(BenchS3.Op.LIST) == 2, "1265 keys take 2 pages", s3.count(BenchS3.Op.LIST));
      ok("listed " + rest.size() + " keys after start-after in 2 pages");

      s3.resetCounts();
      proxy.resetCounts();
      List<StoredObject> objects = new ArrayList<>();
      long started = System.nanoTime();
      store.forEachObject(PREFIX, objects::add);
      long ms = (System.nanoTime() - started) / 1_000_000;
      check(objects.size() == 2500, "forEachObject gives 2500 objects", objects.size());
      for (StoredObject object : objects) {
        checkAppShaped(object);
      }
      check(s3.count(BenchS3.Op.HEAD) == 2500 && s3.count(BenchS3.Op.LIST) == 3,
          "forEachObject makes 3 listings and 2500 HeadObjects", s3.counts());
      check(proxy.requests() == s3.requests(), "the proxy forwarded every request",
          proxy.requestsByMethod() + " vs " + s3.counts());
      ok("forEachObject: 2500 objects with the application's metadata, " + s3.counts()
          + ", " + ms + " ms through the proxy");

      String firstOfOwner = keys.stream().filter(k -> k.startsWith(PREFIX + "user-00001/"))
          .findFirst().orElseThrow();
      check(store.findFirst(PREFIX + "user-00001/").map(StoredObject::key)
          .equals(Optional.of(firstOfOwner)), "findFirst finds an owner's first key", firstOfOwner);
      check(store.head(PREFIX + "user-00001/nothing-here").isEmpty(), "HEAD of a missing key is"
          + " empty (404)", "");
      ok("findFirst, HEAD 404");

      // A presigned PUT as the page sends it: metadata, checksum and If-None-Match signed.
      Instant now = Instant.now();
      String id = UploadIds.next(now);
      String filename = "holiday photo (1).txt";
      String key = PREFIX + "user-00000/2026/12/01/" + id + "/" + UploadRules.keySafeName(filename);
      byte[] body = "Hello, BenchS3! Some text to range over.\n".getBytes(StandardCharsets.UTF_8);
      String sha256 = Base64.getEncoder().encodeToString(
          MessageDigest.getInstance("SHA-256").digest(body));
      Map<String, String> metadata = Map.of("upload-id", id,
          "filename", PercentEncoding.encode(filename), "owner", "user-00000");
      PresignedPut put = store.presignPut(new PutSpec(key, "text/plain", body.length,
          Optional.of(sha256), metadata, false, Duration.ofMinutes(15), Optional.empty(), true));
      check(put.headers().keySet().stream().anyMatch(h -> h.equalsIgnoreCase("If-None-Match")),
          "the presigned PUT carries If-None-Match", put.headers());
      HttpResponse<String> first = send(http, put, body);
      check(first.statusCode() == 200, "presigned PUT of a new key answers 200", first);
      StoredObject head = store.head(key).orElseThrow();
      String md5 = '"' + HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(body))
          + '"';
      check(head.size() == body.length && head.contentType().equals("text/plain")
          && head.metadata().equals(metadata) && head.checksumSha256().equals(Optional.of(sha256))
          && head.etag().equals(Optional.of(md5)), "HEAD gives size, type, metadata, checksum"
          + " and ETag as stored", head);
      ok("presigned PUT (metadata, x-amz-checksum-sha256) then HEAD: " + head.etag().get());

      HttpResponse<String> replay = send(http, put, body);
      byte[] other = "Another body, of the very same length ..\n".getBytes(StandardCharsets.UTF_8);
      check(other.length == body.length, "two bodies of one length", other.length);
      HttpResponse<String> overwrite = send(http, store.presignPut(new PutSpec(key, "text/plain",
          other.length, Optional.empty(), metadata, false, Duration.ofMinutes(15),
          Optional.empty(), true)), other);
      check(replay.statusCode() == 412 && replay.body().contains("<Code>PreconditionFailed</Code>")
          && overwrite.statusCode() == 412, "PUTs with If-None-Match: * of an existing key answer"
          + " 412 PreconditionFailed", replay + " / " + overwrite);
      check(store.readFirstBytes(key, 1000).map(b -> Arrays.equals(b, body)).orElse(false),
          "the object is unchanged after the 412", "");
      ok("If-None-Match: * on an existing key: 412, object unchanged");

      byte[] sent = "x".repeat(100).getBytes(StandardCharsets.UTF_8);
      HttpResponse<String> badChecksum = send(http, store.presignPut(new PutSpec(
          key + ".bad", "text/plain", sent.length, Optional.of(sha256), metadata, false,
          Duration.ofMinutes(15), Optional.empty(), false)), sent);
      check(badChecksum.statusCode() == 400 && badChecksum.body().contains("BadDigest")
          && store.head(key + ".bad").isEmpty(), "a body that does not match its checksum is"
          + " refused (400 BadDigest) and not stored", badChecksum);
      ok("x-amz-checksum-sha256 mismatch: 400 BadDigest");

      check(Arrays.equals(store.readFirstBytes(key, 5).orElseThrow(),
          Arrays.copyOf(body, 5)), "ranged GET bytes=0-4 gives the first 5 bytes", "");
      URI download = store.presignGet(key, "attachment; filename=\"a.txt\"", "text/plain",
          Duration.ofMinutes(5));
      HttpResponse<String> middle = http.send(HttpRequest.newBuilder(download)
          .header("Range", "bytes=7-13").build(), HttpResponse.BodyHandlers.ofString());
      check(middle.statusCode() == 206 && middle.body().equals("BenchS3")
          && middle.headers().firstValue("Content-Range").orElse("")
              .equals("bytes 7-13/" + body.length), "GET with Range: bytes=7-13 answers 206",
          middle);
      HttpResponse<String> whole = http.send(HttpRequest.newBuilder(download).build(),
          HttpResponse.BodyHandlers.ofString());
      check(whole.statusCode() == 200 && whole.body().equals(new String(body,
              StandardCharsets.UTF_8))
          && whole.headers().firstValue("Content-Disposition").orElse("")
              .equals("attachment; filename=\"a.txt\""),
          "a presigned GET answers the whole body with the Content-Disposition it asks for", whole);
      ok("ranged GET (SDK, 206), ranged and whole presigned GET");

      String smallest = keys.stream().min((a, b) -> Long.compare(
          s3.objects().get(a).size(), s3.objects().get(b).size())).orElseThrow();
      Blob small = s3.objects().get(smallest);
      HttpResponse<byte[]> filledBody = http.send(HttpRequest.newBuilder(store.presignGet(
          smallest, "attachment", small.contentType(), Duration.ofMinutes(5))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      byte[] magic = store.readFirstBytes(keys.stream()
          .filter(k -> s3.objects().get(k).contentType().equals("image/jpeg")).findFirst()
          .orElseThrow(), 3).orElseThrow();
      check(filledBody.statusCode() == 200 && filledBody.body().length == small.size()
          && Arrays.equals(magic, new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF}),
          "a filled object's body has its recorded size and its type's magic number",
          filledBody.body().length + " of " + small.size());
      ok("filled objects' bodies: " + small.size() + " bytes of " + small.contentType()
          + ", JPEG magic");

      byte[] record = "2026-12-01T00:00:00Z\nsome record".getBytes(StandardCharsets.UTF_8);
      store.putRecord(PREFIX + ".records/r1", record);
      check(Arrays.equals(store.getRecord(PREFIX + ".records/r1").orElseThrow(), record),
          "an SDK PutObject reads back with GetObject", "");
      store.putRecord(PREFIX + ".records/empty", new byte[0]);
      check(store.readFirstBytes(PREFIX + ".records/empty", 10).orElseThrow().length == 0,
          "a ranged GET of an empty object (416) reads as no bytes", "");
      check(store.getRecord(PREFIX + ".records/none").isEmpty(), "GET of a missing key is empty"
          + " (404 NoSuchKey)", "");
      ok("SDK PutObject/GetObject round trip, 416 on an empty object, GET 404");

      List<String> odd = List.of(PREFIX + "order/a+b c&d%20(1).txt", PREFIX + "order/\uFFFD",
          PREFIX + "order/\uD83D\uDE00");
      for (String name : List.of(odd.get(2), odd.get(1), odd.get(0))) {
        store.putRecord(name, name.getBytes(StandardCharsets.UTF_8));
      }
      List<String> oddListed = new ArrayList<>();
      store.forEachKey(PREFIX + "order/", "", oddListed::add);
      check(oddListed.equals(odd), "keys with '+', ' ', '&', '%' and non-BMP characters list"
          + " as they were written, in UTF-8 byte order (U+FFFD before U+1F600)", oddListed);
      check(Arrays.equals(store.getRecord(odd.get(0)).orElseThrow(),
          odd.get(0).getBytes(StandardCharsets.UTF_8)), "such a key reads back", odd.get(0));
      ok("odd keys: encoding-type=url listing, path decoding, UTF-8 order");

      List<String> withRecords = new ArrayList<>();
      store.forEachKey(PREFIX, "", withRecords::add);
      check(withRecords.get(0).equals(PREFIX + ".records/empty"), "'.records' sorts first", "");
      List<StoredObject> uploads = new ArrayList<>();
      store.forEachObject(PREFIX + "user-00000/2026/12/", uploads::add);
      check(uploads.stream().anyMatch(o -> o.key().equals(key)), "forEachObject sees the PUT", "");

      s3.resetCounts();
      store.delete(key);
      check(store.head(key).isEmpty() && s3.count(BenchS3.Op.DELETE) == 1,
          "DELETE removes the object (204); HEAD then answers 404", s3.counts());
      store.delete(key);
      ok("DELETE (204), twice");

      var preflight = store.corsPreflight(PREFIX + "cors-check", "http://localhost:8080",
          List.of("content-type", "if-none-match", "x-amz-meta-upload-id"));
      check(preflight.status() == 200
          && preflight.header("access-control-allow-origin").equals("http://localhost:8080")
          && preflight.header("access-control-allow-headers").contains("if-none-match")
          && preflight.header("access-control-expose-headers").equals("ETag"),
          "a CORS preflight is allowed with ETag exposed", preflight);
      List<Object> open = new ArrayList<>();
      store.forEachOpenMultipart(PREFIX, open::add);
      check(open.isEmpty(), "no multipart uploads are ever open", open);
      check(store.isPubliclyReadable(firstOfOwner).isEmpty(), "GetObjectAcl is not implemented"
          + " (501), so the application cannot tell", "");
      HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(
          URI.create(proxy.endpoint() + "/" + s3.bucket() + "?versioning")).build(),
          HttpResponse.BodyHandlers.ofString());
      check(unknown.statusCode() == 501 && unknown.body().contains("<Code>NotImplemented</Code>"),
          "an unknown operation answers 501 NotImplemented in S3's XML", unknown.body());
      ok("CORS preflight, empty ListMultipartUploads, 501 for GetObjectAcl and ?versioning");

      long fastest = Long.MAX_VALUE;
      for (int i = 0; i < 10; i++) {
        long t = System.nanoTime();
        store.head(firstOfOwner).orElseThrow();
        fastest = Math.min(fastest, System.nanoTime() - t);
      }
      check(fastest >= DELAY.toNanos(), "every request through the proxy takes at least the delay",
          fastest);
      ok(String.format("HEAD through the proxy: fastest of 10 %.1f ms (delay %d ms)",
          fastest / 1e6, DELAY.toMillis()));
      System.out.println("proxy forwarded " + proxy.requestsByMethod());
      System.out.println("ALL OK");
    }
  }

  /** What the application's rebuild reads: upload-id in the key, owner and filename decodable. */
  private static void checkAppShaped(StoredObject object) {
    String key = object.key();
    String id = object.metadata().get("upload-id");
    String[] segments = key.split("/");
    check(UploadIds.isWellFormed(id) && key.contains("/" + id + "/")
        && segments.length == 7 && object.metadata().get("owner").equals(segments[1])
        && PercentEncoding.decode(object.metadata().get("filename")).equals(segments[6])
        && object.lastModified() != null && object.etag().isPresent()
        && object.metadata().keySet().equals(Set.of("upload-id", "filename", "owner")),
        "a filled object carries the application's metadata", object);
  }

  private static HttpResponse<String> send(HttpClient http, PresignedPut put, byte[] body)
      throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(put.url()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    put.headers().forEach(request::header);
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Settings settings(BenchS3 s3, URI endpoint) {
    return Settings.load(Map.of("bucket", s3.bucket(), "endpoint", endpoint.toString(),
        "region", "us-east-1", "path-style", "true")::get);
  }

  private static void ok(String what) {
    System.out.println("OK   " + what);
  }

  private static void check(boolean condition, String what, Object found) {
    if (!condition) {
      throw new AssertionError("expected: " + what + "; found: " + describe(found));
    }
  }

  private static String describe(Object found) {
    if (found instanceof HttpResponse<?> response) {
      return response.statusCode() + " " + response.headers().map().entrySet().stream()
          .map(Object::toString).collect(Collectors.joining(", ")) + " " + response.body();
    }
    return String.valueOf(found);
  }
}
