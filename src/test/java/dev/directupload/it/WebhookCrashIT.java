package dev.directupload.it;

import static dev.directupload.it.Hooks.body;
import static dev.directupload.it.Hooks.eventId;
import static dev.directupload.it.Hooks.onlyAcknowledged;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.Receiver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Events survive a kill -9 of the instance that recorded them: the built WAR runs in a Tomcat of
 * its own JVM while the receiver refuses connections; once that JVM is killed (SIGKILL, no
 * shutdown) with its events undelivered, a new Tomcat over the same bucket takes them over when
 * the dead instance's leases run out and delivers every one, each file's events in order.
 */
class WebhookCrashIT {
  private static final String BUCKET = "crash-events";
  private static final String PENDING = "uploads/.direct-upload/outbox/pending/";

  @Test
  void eventsLeftByAKilledInstanceAreDeliveredByTheNextOne() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket(BUCKET);
        S3Client s3 = store.client();
        Receiver receiver = new Receiver()) {
      receiver.stop(); // refuses connections
      List<String> settings = new ArrayList<>(List.of(
          "-Ddirect-upload.bucket=" + BUCKET,
          "-Ddirect-upload.endpoint=" + store.endpoint(),
          "-Ddirect-upload.region=" + LocalS3.REGION,
          "-Ddirect-upload.path-style=true",
          "-Ddirect-upload.index-refresh=PT0S"));
      List<String> hooks = Hooks.webhookSettings(receiver);
      for (int i = 0; i < hooks.size(); i += 2) {
        settings.add("-Ddirect-upload." + hooks.get(i) + "=" + hooks.get(i + 1));
      }

      String kept;
      String deleted;
      try (ContainerProcess first = ContainerProcess.tomcat("tomcat-11", settings, List.of())) {
        ApiClient app = new ApiClient(first.url("/direct-upload"));
        deleted = Hooks.upload(app, "gone.txt", ApiClient.bytes("gone"), false).get("id")
            .getAsString();
        assertEquals(204, app.delete("api/uploads/" + deleted).statusCode());
        kept = Hooks.upload(app, "kept.txt", ApiClient.bytes("kept"), false).get("id")
            .getAsString();
        Hooks.await("health to show three events waiting on a refused receiver",
            Duration.ofSeconds(60), () -> {
              JsonObject w = Hooks.webhooksHealth(app);
              return w.get("pending").getAsLong() == 3
                  && "could not connect (refused or unreachable)".equals(Hooks.lastError(w));
            }, () -> Hooks.webhooksHealth(app));
        first.kill();
      }
      assertEquals(3, s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(PENDING)).contents().size(),
          "the killed instance's events are in the bucket");
      assertEquals(List.of(), receiver.calls, "and none was delivered");

      receiver.restart(); // acknowledges from now on
      List<String> expected = List.of(eventId(deleted, "completed"), eventId(deleted, "deleted"),
          eventId(kept, "completed"));
      try (ContainerProcess second = ContainerProcess.tomcat("tomcat-11", settings, List.of())) {
        ApiClient app = new ApiClient(second.url("/direct-upload"));
        // The dead instance's leases (60 s past its last attempt) must run out first.
        Hooks.await("the new instance to deliver every event", Duration.ofSeconds(180),
            () -> receiver.acknowledged().stream().map(Receiver.Call::id)
                .collect(Collectors.toSet()).containsAll(expected),
            () -> Receiver.ids(receiver.calls));
        Hooks.await("the new instance's health to show an empty backlog",
            Duration.ofSeconds(30),
            () -> Hooks.webhooksHealth(app).get("pending").getAsLong() == 0,
            () -> Hooks.webhooksHealth(app));
      }

      expected.forEach(id -> onlyAcknowledged(receiver, id));
      List<String> types = receiver.calls.stream()
          .filter(c -> body(c).getAsJsonObject("data").get("id").getAsString().equals(deleted))
          .map(c -> body(c).get("type").getAsString()).toList();
      assertEquals(List.of("upload.completed", "upload.deleted"), types, "in order");
      assertEquals(List.of(), s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(PENDING))
          .contents(), "the outbox is empty");
      Hooks.assertSigned(receiver.calls);
    }
  }
}
