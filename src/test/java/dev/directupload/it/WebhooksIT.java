package dev.directupload.it;

import static dev.directupload.it.Hooks.body;
import static dev.directupload.it.Hooks.eventId;
import static dev.directupload.it.Hooks.onlyAcknowledged;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.Receiver;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks through the running application (embedded Jetty, S3Proxy, the bucket outbox) to a
 * real HTTP receiver: every completion and deletion is POSTed once, as the Standard Webhooks
 * format says, with the file as the API lists it; a receiver that fails for a while loses
 * nothing, gets the events of each file in order, sees the same {@code webhook-id} on every
 * attempt of an event, and {@code api/health} shows the backlog meanwhile. Every signature is
 * checked by the official JavaScript library and by the README's Java method.
 */
class WebhooksIT {
  private static final String BUCKET = "webhooks";
  private static LocalS3 s3;
  private static Receiver receiver;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    receiver = new Receiver();
    List<String> settings = new ArrayList<>(Hooks.webhookSettings(receiver));
    settings.addAll(List.of("index-refresh", "PT0S"));
    app = AppUnderTest.start(s3, BUCKET, settings.toArray(String[]::new));
  }

  @AfterAll
  static void stop() {
    try {
      app.close();
    } finally {
      try {
        receiver.close();
      } finally {
        s3.close();
      }
    }
  }

  @BeforeEach
  void receiverAcknowledges() {
    receiver.responder = call -> Receiver.Answer.status(204);
  }

  @Test
  void completionsAndDeletionsArriveOnceEachWithTheFileAsTheApiListsIt() throws Exception {
    byte[] report = ApiClient.bytes("quarterly figures\n");
    JsonObject withSum = Hooks.upload(app, "report.txt", report, true);
    JsonObject without = Hooks.upload(app, "notes.txt", ApiClient.bytes("notes\n"), false);
    String a = withSum.get("id").getAsString();
    String b = without.get("id").getAsString();
    Map<String, JsonObject> listed = new HashMap<>();
    ApiClient.json(app.get("api/files?limit=1000")).getAsJsonArray("files")
        .forEach(f -> listed.put(f.getAsJsonObject().get("id").getAsString(),
            f.getAsJsonObject()));
    assertEquals(204, app.delete("api/uploads/" + a).statusCode());

    List<String> expected = List.of(eventId(a, "completed"), eventId(b, "completed"),
        eventId(a, "deleted"));
    Hooks.await("the three events acknowledged", Duration.ofSeconds(30),
        () -> receiver.acknowledged().stream().map(Receiver.Call::id).collect(Collectors.toSet())
            .containsAll(expected), () -> Receiver.ids(receiver.calls));
    List<Receiver.Call> mine = receiver.calls.stream().filter(c -> expected.contains(c.id()))
        .toList();
    assertEquals(3, mine.size(), "one POST per event, no more: " + Receiver.ids(mine));

    for (Receiver.Call call : mine) {
      assertEquals("application/json", call.headers().get("content-type"));
      JsonObject body = body(call);
      assertEquals(List.of("type", "timestamp", "data"), List.copyOf(body.keySet()));
      assertNotNull(Instant.parse(body.get("timestamp").getAsString()));
    }
    JsonObject completedA = body(onlyAcknowledged(receiver, eventId(a, "completed")));
    assertEquals("upload.completed", completedA.get("type").getAsString());
    assertCompletedData(completedA.getAsJsonObject("data"), listed.get(a), withSum,
        Hooks.sha256(report));
    JsonObject completedB = body(onlyAcknowledged(receiver, eventId(b, "completed")));
    assertCompletedData(completedB.getAsJsonObject("data"), listed.get(b), without, null);

    JsonObject deleted = body(onlyAcknowledged(receiver, eventId(a, "deleted")));
    assertEquals("upload.deleted", deleted.get("type").getAsString());
    JsonObject data = deleted.getAsJsonObject("data");
    assertEquals(Set.of("id", "owner", "key", "name", "size", "contentType"), data.keySet());
    assertEquals(a, data.get("id").getAsString());
    assertEquals("anonymous", data.get("owner").getAsString());
    assertEquals(withSum.get("key").getAsString(), data.get("key").getAsString());
    assertEquals("report.txt", data.get("name").getAsString());
    assertEquals(report.length, data.get("size").getAsLong());
    assertEquals("text/plain", data.get("contentType").getAsString());

    Hooks.assertSigned(mine);
  }

  @Test
  void aFileWhoseObjectWentAwayBehindTheAppsBackIsAnnouncedDeleted() throws Exception {
    String gone = Hooks.upload(app, "gone.txt", ApiClient.bytes("soon gone\n"), false)
        .get("id").getAsString();
    JsonObject changed = Hooks.upload(app, "changed.txt", ApiClient.bytes("first\n"), false);
    String replaced = changed.get("id").getAsString();
    try (var client = s3.client()) {
      client.listObjectsV2(r -> r.bucket(BUCKET)).contents().stream()
          .filter(o -> o.key().contains("/" + gone + "/"))
          .forEach(o -> client.deleteObject(r -> r.bucket(BUCKET).key(o.key())));
      // Written again by someone holding the bucket's keys: same key, other bytes.
      client.putObject(r -> r.bucket(BUCKET).key(changed.get("key").getAsString())
          .contentType("text/plain"), software.amazon.awssdk.core.sync.RequestBody.fromString(
              "second, longer\n"));
    }
    assertEquals(404, app.get("api/files/" + gone + "/download").statusCode());
    assertEquals(409, app.get("api/files/" + replaced + "/download").statusCode());
    List<String> expected = List.of(eventId(gone, "deleted"), eventId(replaced, "deleted"));
    Hooks.await("both files announced deleted", Duration.ofSeconds(30),
        () -> receiver.acknowledged().stream().map(Receiver.Call::id).collect(Collectors.toSet())
            .containsAll(expected), () -> Receiver.ids(receiver.calls));
    assertEquals("upload.deleted",
        body(onlyAcknowledged(receiver, eventId(gone, "deleted"))).get("type").getAsString());
  }

  /** The file exactly as {@code api/files} lists it, plus owner, key and the checksum if any. */
  private static void assertCompletedData(JsonObject data, JsonObject listed, JsonObject presign,
      String checksum) {
    for (Map.Entry<String, JsonElement> field : listed.entrySet()) {
      assertEquals(field.getValue(), data.get(field.getKey()), "data." + field.getKey()
          + " as api/files lists it");
    }
    assertEquals("anonymous", data.get("owner").getAsString());
    assertEquals(presign.get("key").getAsString(), data.get("key").getAsString());
    if (checksum == null) {
      assertFalse(data.has("checksumSha256"), "no checksum, no field: " + data);
    } else {
      assertEquals(checksum, data.get("checksumSha256").getAsString());
    }
  }

  @Test
  void aFailingReceiverLosesNothingAndGetsEachFilesEventsInOrder() throws Exception {
    AtomicBoolean down = new AtomicBoolean(true);
    receiver.responder = call -> Receiver.Answer.status(down.get() ? 500 : 200);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      String id = Hooks.upload(app, "file-" + i + ".txt", ApiClient.bytes("file " + i), false)
          .get("id").getAsString();
      assertEquals(204, app.delete("api/uploads/" + id).statusCode());
      ids.add(id);
    }
    List<String> completed = ids.stream().map(id -> eventId(id, "completed")).toList();
    List<String> deleted = ids.stream().map(id -> eventId(id, "deleted")).toList();

    // Down: each file's first event is tried and refused, its second waits behind it.
    Hooks.await("every completion tried and answered 500", Duration.ofSeconds(30),
        () -> receiver.calls.stream().filter(c -> c.status() == 500).map(Receiver.Call::id)
            .collect(Collectors.toSet()).containsAll(completed),
        () -> Receiver.ids(receiver.calls));
    Hooks.await("health to show the backlog", Duration.ofSeconds(30), () -> {
      JsonObject w = Hooks.webhooksHealth(app);
      return w.get("pending").getAsLong() == 6 && w.get("oldestAgeSeconds").getAsLong() >= 1
          && "answered 500".equals(Hooks.lastError(w));
    }, () -> Hooks.webhooksHealth(app));
    assertTrue(receiver.calls.stream().noneMatch(c -> deleted.contains(c.id())),
        "no deletion is sent before its file's completion is acknowledged: "
            + Receiver.ids(receiver.calls));

    down.set(false);
    List<String> all = new ArrayList<>(completed);
    all.addAll(deleted);
    // Retries wait up to 5 s after a first failure and 30 s after a second (not configurable).
    Hooks.await("all six events acknowledged", Duration.ofSeconds(150),
        () -> receiver.acknowledged().stream().map(Receiver.Call::id)
            .collect(Collectors.toSet()).containsAll(all), () -> Receiver.ids(receiver.calls));
    Hooks.await("health to show an empty backlog", Duration.ofSeconds(30), () -> {
      JsonObject w = Hooks.webhooksHealth(app);
      return w.get("pending").getAsLong() == 0 && w.get("lastError").isJsonNull();
    }, () -> Hooks.webhooksHealth(app));

    List<Receiver.Call> calls = List.copyOf(receiver.calls);
    for (int i = 0; i < ids.size(); i++) {
      onlyAcknowledged(receiver, completed.get(i));
      onlyAcknowledged(receiver, deleted.get(i));
      int ack = indexOf(calls, completed.get(i), true);
      int firstDelete = indexOf(calls, deleted.get(i), false);
      assertTrue(ack < firstDelete, "file " + i + ": its deletion is sent only after its"
          + " completion was acknowledged: " + Receiver.ids(calls));
    }
    // A retry is the same message: the same id for the same event, byte for byte the same body.
    Map<String, List<Receiver.Call>> byEvent = calls.stream()
        .filter(c -> all.contains(c.id()))
        .collect(Collectors.groupingBy(c -> body(c).get("type").getAsString() + " of "
            + body(c).getAsJsonObject("data").get("id").getAsString()));
    assertEquals(6, byEvent.size());
    for (Map.Entry<String, List<Receiver.Call>> event : byEvent.entrySet()) {
      assertEquals(1, event.getValue().stream().map(Receiver.Call::id).distinct().count(),
          event.getKey() + " kept its webhook-id");
      assertEquals(1, event.getValue().stream().map(Receiver.Call::body).distinct().count(),
          event.getKey() + " kept its body");
    }
    for (String id : completed) {
      assertTrue(Hooks.byId(calls).get(id).size() >= 2, id + " was retried");
    }
    Hooks.assertSigned(calls.stream().filter(c -> all.contains(c.id())).toList());
  }

  private static int indexOf(List<Receiver.Call> calls, String id, boolean acknowledged) {
    for (int i = 0; i < calls.size(); i++) {
      if (calls.get(i).id().equals(id) && (!acknowledged || calls.get(i).acknowledged())) {
        return i;
      }
    }
    throw new AssertionError("no call of " + id + ": " + Receiver.ids(calls));
  }
}
