package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.Receiver;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * A webhook receiver that never answers holds up neither uploads nor the operator's view of
 * them: presign, PUT and complete answer for file after file while every delivery thread waits on
 * the receiver; each completion's event waits in the bucket's outbox; and {@code api/health}
 * counts them while the receiver still holds the first deliveries, before any has given up.
 */
class SlowReceiverIT {
  private static final String BUCKET = "slow-receiver";
  private static final String PENDING = "uploads/.direct-upload/outbox/pending/";
  private static final int FILES = 20;
  private static LocalS3 s3;
  private static Receiver receiver;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    receiver = new Receiver();
    receiver.responder = call -> Receiver.HANG;
    List<String> settings = new ArrayList<>(Hooks.webhookSettings(receiver));
    settings.addAll(List.of("index-refresh", "PT0S"));
    app = AppUnderTest.start(s3, BUCKET, settings.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    try {
      receiver.close(); // first: it lets go of the deliveries it holds, so the app stops at once
    } finally {
      try {
        app.close();
      } finally {
        s3.close();
      }
    }
  }

  @Test
  void uploadsGoOnWhileTheReceiverHangsAndHealthCountsTheWaitingEvents() throws Exception {
    List<JsonObject> sent = new ArrayList<>();
    for (int i = 0; i < FILES; i++) {
      JsonObject presign = app.presign("file-" + i + ".txt", "text/plain", 6);
      assertEquals(200, app.putAsBrowser(presign, ApiClient.bytes("file " + (i % 10)))
          .statusCode());
      sent.add(presign);
    }
    // The completions, each of which records an event, go at once: the receiver then holds
    // the first deliveries while the others wait.
    ExecutorService clients = Executors.newFixedThreadPool(FILES);
    try {
      List<Future<HttpResponse<String>>> completions = new ArrayList<>();
      for (JsonObject presign : sent) {
        completions.add(clients.submit(() -> app.post("api/uploads/"
            + presign.get("id").getAsString() + "/complete", "")));
      }
      for (Future<HttpResponse<String>> completion : completions) {
        HttpResponse<String> answer = completion.get(60, TimeUnit.SECONDS);
        assertEquals(200, answer.statusCode(), answer.body());
      }
    } finally {
      clients.shutdownNow();
    }
    Set<String> ids = sent.stream().map(p -> p.get("id").getAsString())
        .collect(Collectors.toCollection(LinkedHashSet::new));

    Hooks.await("health to count the waiting events", Duration.ofSeconds(60),
        () -> Hooks.webhooksHealth(app).get("pending").getAsLong() == FILES,
        () -> Hooks.webhooksHealth(app));
    JsonObject counted = Hooks.webhooksHealth(app);
    assertTrue(counted.get("lastError").isJsonNull(), "counted while the receiver still held"
        + " the first deliveries, before any gave up: " + counted);
    assertTrue(receiver.acknowledged().isEmpty(), "nothing was answered");
    assertEquals(ids, Set.copyOf(app.listedIds()), "all twenty listed");
    try (S3Client client = s3.client()) {
      Set<String> recorded = client.listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix(PENDING))
          .contents().stream().map(S3Object::key)
          // <subject>/<13 digits>-<event id>
          .map(key -> key.substring(key.lastIndexOf('/') + 1 + 14))
          .collect(Collectors.toSet());
      assertEquals(ids.stream().map(id -> Hooks.eventId(id, "completed"))
          .collect(Collectors.toSet()), recorded, "every event waits in the outbox");
    }
  }
}
