package dev.directupload.it;

import static dev.directupload.it.Hooks.body;
import static dev.directupload.it.Hooks.eventId;
import static dev.directupload.it.Hooks.onlyAcknowledged;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import dev.directupload.config.Settings;
import dev.directupload.events.BucketOutbox;
import dev.directupload.events.WebhookDeliverer;
import dev.directupload.events.WebhookSigner;
import dev.directupload.local.LocalS3;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.Receiver;
import dev.directupload.testing.TestSettings;
import dev.directupload.upload.Caller;
import dev.directupload.upload.IndexSource;
import dev.directupload.upload.Integrations;
import dev.directupload.upload.PresignedUpload;
import dev.directupload.upload.UploadObserver;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Expiry announces what it settles, once, as webhooks signed like the others: an upload signed
 * and never sent is {@code upload.expired}; one whose object arrived but whose browser never
 * called complete is {@code upload.completed}, checksum included.
 *
 * <p>Wired as {@code AppListener} wires the default (the heap registry recording into the
 * bucket outbox, the deliverer POSTing over HTTP to a real receiver, S3Proxy as the store),
 * except for the use cases' clock, which the test moves: a pending upload lives for
 * {@code url-expiry} plus a fixed hour and housekeeping looks every minute, neither of which a
 * setting shortens, so the running application cannot expire anything within a test.
 */
class WebhookExpiryIT {
  private static final String BUCKET = "expiry-events";
  private static final Caller CALLER = Caller.user("erin");

  private LocalS3 s3;
  private S3ObjectStore store;
  private Receiver receiver;
  private WebhookDeliverer deliverer;
  private UploadService service;
  private final MutableClock clock = new MutableClock(Instant.now());
  private final HttpClient http = HttpClient.newHttpClient();
  private Settings settings;

  @BeforeEach
  void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    store = s3.objectStore(BUCKET);
    receiver = new Receiver();
    settings = TestSettings.with("bucket", BUCKET, "endpoint", s3.endpoint().toString(),
        "region", LocalS3.REGION, "path-style", "true", "index-refresh", "PT0S",
        "url-expiry", "PT1S");
    WebhookDeliverer.Options d = WebhookDeliverer.Options.DEFAULTS;
    // The deliverer keeps the real clock: its signatures must be fresh to the receiver.
    deliverer = new WebhookDeliverer(receiver.uri(), WebhookSigner.parse(Hooks.SECRET),
        new BucketOutbox(store, settings.keyPrefix() + ".direct-upload/outbox/"), "expiry-test",
        new WebhookDeliverer.Options(d.connectTimeout(), d.requestTimeout(),
            Duration.ofSeconds(1), d.lease(), d.concurrency(), d.retries()), Clock.systemUTC());
    service = new UploadService(settings, store, new MemoryRegistry(deliverer::record), clock,
        IndexSource.NONE, new Integrations(Optional.empty(), Optional.of(deliverer),
            UploadObserver.NONE));
  }

  @AfterEach
  void stop() {
    try {
      deliverer.close();
    } finally {
      try {
        receiver.close();
      } finally {
        try {
          store.close();
        } finally {
          s3.close();
        }
      }
    }
  }

  private PresignedUpload presign(String name, byte[] body, String checksum) {
    return service.presign(CALLER, new UploadRequest(name, "text/plain", (long) body.length,
        checksum));
  }

  private void put(PresignedUpload p, byte[] body) throws Exception {
    PresignedPut signed = p.put().orElseThrow();
    HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(signed.url()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    signed.headers().forEach(put::header);
    HttpResponse<String> answer = http.send(put.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode(), answer.body());
  }

  /** Past the URL's expiry and the hour of grace, then one housekeeping round. */
  private void expire() {
    clock.advance(settings.urlExpiry().plus(Duration.ofHours(1)).plusSeconds(1));
    service.expirePending();
  }

  private void awaitAcknowledged(List<String> ids) throws Exception {
    Hooks.await("acknowledged: " + ids, Duration.ofSeconds(30),
        () -> receiver.acknowledged().stream().map(Receiver.Call::id)
            .collect(Collectors.toSet()).containsAll(ids), () -> Receiver.ids(receiver.calls));
  }

  @Test
  void anUploadNeverSentExpiresWithOneSignedEvent() throws Exception {
    byte[] body = ApiClient.bytes("never sent");
    PresignedUpload p = presign("lost.txt", body, null);
    expire();

    String id = p.upload().id();
    awaitAcknowledged(List.of(eventId(id, "expired")));
    assertEquals(1, receiver.calls.size(), "one POST: " + Receiver.ids(receiver.calls));
    JsonObject event = body(onlyAcknowledged(receiver, eventId(id, "expired")));
    assertEquals("upload.expired", event.get("type").getAsString());
    JsonObject data = event.getAsJsonObject("data");
    assertEquals(Set.of("id", "owner", "key", "name", "size", "contentType"), data.keySet());
    assertEquals(id, data.get("id").getAsString());
    assertEquals("erin", data.get("owner").getAsString());
    assertEquals(p.upload().key(), data.get("key").getAsString());
    assertEquals("lost.txt", data.get("name").getAsString());
    assertEquals(body.length, data.get("size").getAsLong());
    assertEquals("text/plain", data.get("contentType").getAsString());
    Hooks.assertSigned(receiver.calls);
  }

  @Test
  void anUploadSentButNeverCompletedIsAnnouncedAsCompletedByExpiry() throws Exception {
    byte[] body = ApiClient.bytes("sent, tab closed before complete");
    PresignedUpload p = presign("closed.txt", body, Hooks.sha256(body));
    put(p, body);
    expire();

    String id = p.upload().id();
    awaitAcknowledged(List.of(eventId(id, "completed")));
    assertEquals(1, receiver.calls.size(), "one POST: " + Receiver.ids(receiver.calls));
    JsonObject event = body(onlyAcknowledged(receiver, eventId(id, "completed")));
    assertEquals("upload.completed", event.get("type").getAsString());
    JsonObject data = event.getAsJsonObject("data");
    assertEquals(id, data.get("id").getAsString());
    assertEquals("erin", data.get("owner").getAsString());
    assertEquals(p.upload().key(), data.get("key").getAsString());
    assertEquals(Hooks.sha256(body), data.get("checksumSha256").getAsString());
    assertEquals("api/files/" + id + "/download", data.get("downloadUrl").getAsString());
    Hooks.assertSigned(receiver.calls);
  }
}
