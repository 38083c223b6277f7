package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.local.LocalS3;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import dev.directupload.upload.Caller;
import dev.directupload.upload.PresignedUpload;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Expiry settles an upload whose browser never called complete by the same checks complete
 * makes, against a real store: an object exactly as signed is listed, one that carries more
 * than was signed or content other than its type is deleted and never listed. The clock is
 * moved by hand; the store is S3Proxy over HTTP.
 */
class ExpiryIT {
  private static final String BUCKET = "expiry";
  private static final Caller CALLER = Caller.user("erin");
  private static LocalS3 s3;
  private static S3ObjectStore store;
  private final HttpClient http = HttpClient.newHttpClient();
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.now());
  private static final Settings SETTINGS = TestSettings.with("bucket", BUCKET,
      "region", LocalS3.REGION, "path-style", "true", "index-refresh", "PT0S");
  private UploadService service;

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    store = s3.objectStore(BUCKET);
  }

  @AfterAll
  static void stop() {
    store.close();
    s3.close();
  }

  /** Presigns {@code body} as {@code name} and PUTs it with the signed headers and {@code extra}. */
  private PresignedUpload upload(String name, String type, byte[] body, Map<String, String> extra)
      throws Exception {
    service = new UploadService(SETTINGS, store, registry, clock);
    PresignedUpload p = service.presign(CALLER, new UploadRequest(name, type,
        (long) body.length, null));
    PresignedPut put = p.put().orElseThrow();
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(put.url()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    put.headers().forEach(request::header);
    extra.forEach(request::header);
    HttpResponse<String> answer = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode(), answer.body());
    return p;
  }

  private void expire() {
    clock.advance(SETTINGS.urlExpiry().plus(Duration.ofHours(1)).plusSeconds(1));
    service.expirePending();
  }

  private boolean inBucket(String key) {
    return store.head(key).isPresent();
  }

  @Test
  void anObjectExactlyAsSignedIsListedWithoutAComplete() throws Exception {
    PresignedUpload p = upload("notes.txt", "text/plain",
        "notes".getBytes(StandardCharsets.UTF_8), Map.of());
    expire();
    assertTrue(registry.find(p.upload().id()).orElseThrow().isCompleted());
    assertTrue(inBucket(p.upload().key()));
  }

  @Test
  void anObjectCarryingAnUnsignedHeaderIsDeletedNotListed() throws Exception {
    PresignedUpload p = upload("notes.txt", "text/plain",
        "notes".getBytes(StandardCharsets.UTF_8), Map.of("Content-Encoding", "gzip"));
    expire();
    assertTrue(registry.find(p.upload().id()).isEmpty());
    assertEquals(0, registry.completedCount());
    assertFalse(inBucket(p.upload().key()));
  }

  @Test
  void contentOtherThanItsTypeIsDeletedNotListed() throws Exception {
    PresignedUpload p = upload("cat.png", "image/png",
        "<html><script>alert(1)</script></html>".getBytes(StandardCharsets.UTF_8), Map.of());
    expire();
    assertTrue(registry.find(p.upload().id()).isEmpty());
    assertFalse(inBucket(p.upload().key()));
  }
}
