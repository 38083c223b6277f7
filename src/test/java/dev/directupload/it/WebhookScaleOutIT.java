package dev.directupload.it;

import static dev.directupload.it.Hooks.body;
import static dev.directupload.it.Hooks.eventId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.directupload.local.LocalS3;
import dev.directupload.testing.Receiver;
import dev.directupload.testing.TestPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Two instances over one outbox send each event once in the normal case: files are uploaded on
 * either instance and deleted on the other, and the receiver, counting by {@code webhook-id},
 * hears of every completion and deletion exactly once, each file's completion before its
 * deletion. Once with the bucket's outbox (and the heap registry), once with the database's.
 */
class WebhookScaleOutIT {
  private LocalS3 s3;
  private Receiver receiver;
  private final List<AppUnderTest> apps = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket("scale-out");
    receiver = new Receiver();
  }

  @AfterEach
  void stop() {
    try {
      apps.forEach(AppUnderTest::close);
    } finally {
      try {
        receiver.close();
      } finally {
        s3.close();
      }
    }
  }

  private AppUnderTest instance(String... extra) throws Exception {
    List<String> settings = new ArrayList<>(Hooks.webhookSettings(receiver));
    settings.addAll(List.of(extra));
    AppUnderTest app = AppUnderTest.start(s3, "scale-out", settings.toArray(String[]::new));
    apps.add(app);
    HttpResponse<String> health = app.awaitHealth(200);
    assertEquals(200, health.statusCode(), health.body());
    return app;
  }

  @Test
  void twoInstancesOverOneBucketSendEachEventOnce() throws Exception {
    AppUnderTest a = instance("index-refresh", "PT1S");
    AppUnderTest b = instance("index-refresh", "PT1S");
    uploadOnOneDeleteOnTheOther(a, b, true, () -> {
      try (S3Client client = s3.client()) {
        return (long) client.listObjectsV2(r -> r.bucket("scale-out")
            .prefix("uploads/.direct-upload/outbox/pending/")).contents().size();
      }
    });
  }

  /**
   * Not the normal case: a request for a file reaching an instance that has not yet heard of it
   * (within its {@code index-refresh}). That instance finds the file in the bucket and, unable to
   * tell whether anyone announced it, announces it again: a copy, under the same id.
   */
  @Test
  void aFileAnInstanceHasNotHeardOfYetIsAnnouncedUnderTheSameIdOnEveryCopy() throws Exception {
    AppUnderTest a = instance("index-refresh", "PT1S");
    AppUnderTest b = instance("index-refresh", "PT1H"); // hears of nothing during the test
    String id = Hooks.upload(a, "quick.txt", ApiClient.bytes("quick"), false).get("id")
        .getAsString();
    assertEquals(204, b.delete("api/uploads/" + id).statusCode());

    List<String> expected = List.of(eventId(id, "completed"), eventId(id, "deleted"));
    Hooks.await("both events acknowledged", Duration.ofSeconds(60),
        () -> receiver.acknowledged().stream().map(Receiver.Call::id)
            .collect(Collectors.toSet()).containsAll(expected), () -> Receiver.ids(receiver.calls));
    Map<String, List<String>> idsByEvent = receiver.calls.stream().collect(Collectors.groupingBy(
        c -> body(c).get("type").getAsString(),
        Collectors.mapping(Receiver.Call::id, Collectors.toList())));
    assertEquals(List.of(eventId(id, "deleted")), idsByEvent.get("upload.deleted"));
    idsByEvent.get("upload.completed").forEach(copy -> assertEquals(eventId(id, "completed"),
        copy, "every copy of the completion carries its id"));
    assertEquals(1, receiver.calls.stream().map(c -> body(c).getAsJsonObject("data"))
        .filter(data -> data.has("uploadedAt")).distinct().count(), "and the same data");
    Hooks.assertSigned(receiver.calls);
  }

  @Test
  void twoInstancesOverOneDatabaseSendEachEventOnce() throws Exception {
    TestPostgres server = TestPostgres.shared();
    String database = server.createDatabase("webhook_scale_out");
    String[] db = {"database-url", server.url(database), "database-user", server.user(),
        "database-password", server.password()};
    AppUnderTest a = instance(db);
    AppUnderTest b = instance(db);
    uploadOnOneDeleteOnTheOther(a, b, false, () -> {
      try (Connection c = DriverManager.getConnection(server.url(database), server.user(),
          server.password());
          ResultSet rs = c.createStatement().executeQuery(
              "SELECT count(*) FROM outbox WHERE state = 'pending'")) {
        rs.next();
        return rs.getLong(1);
      }
    });
  }

  /**
   * Four files, each completed on one instance and deleted on the other (once that one lists
   * it, when {@code waitForTheOther}: instances over a bucket hear of each other's files every
   * {@code index-refresh}). {@code pendingInOutbox} counts the events left in the outbox.
   */
  private void uploadOnOneDeleteOnTheOther(AppUnderTest a, AppUnderTest b,
      boolean waitForTheOther, Callable<Long> pendingInOutbox) throws Exception {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      AppUnderTest here = i % 2 == 0 ? a : b;
      AppUnderTest there = i % 2 == 0 ? b : a;
      String id = Hooks.upload(here, "file-" + i + ".txt", ApiClient.bytes("file " + i), false)
          .get("id").getAsString();
      if (waitForTheOther) {
        Hooks.await("the other instance to list " + id, Duration.ofSeconds(30),
            () -> there.listedIds().contains(id), there::listedIds);
      }
      assertEquals(204, there.delete("api/uploads/" + id).statusCode());
      ids.add(id);
    }
    List<String> expected = new ArrayList<>();
    ids.forEach(id -> expected.addAll(List.of(eventId(id, "completed"), eventId(id, "deleted"))));

    // Within less than the minute an instance's lease lasts: an event recorded while an earlier
    // one of its file was being sent by the other instance must not wait for its lease.
    Hooks.await("every event acknowledged", Duration.ofSeconds(30),
        () -> receiver.acknowledged().stream().map(Receiver.Call::id)
            .collect(Collectors.toSet()).containsAll(expected), () -> Receiver.ids(receiver.calls));
    // Once the outbox is empty, nothing more can be sent: count.
    Hooks.await("an empty outbox", Duration.ofSeconds(30), () -> pendingInOutbox.call() == 0,
        pendingInOutbox);
    for (AppUnderTest app : List.of(a, b)) {
      Hooks.await("health to show an empty backlog", Duration.ofSeconds(30),
          () -> Hooks.webhooksHealth(app).get("pending").getAsLong() == 0,
          () -> Hooks.webhooksHealth(app));
    }
    Map<String, Long> perId = receiver.calls.stream()
        .collect(Collectors.groupingBy(Receiver.Call::id, Collectors.counting()));
    assertEquals(expected.stream().collect(Collectors.toMap(id -> id, id -> 1L)), perId,
        "each event POSTed once: " + Receiver.ids(receiver.calls));
    for (String id : ids) {
      List<String> order = receiver.calls.stream()
          .filter(c -> body(c).getAsJsonObject("data").get("id").getAsString().equals(id))
          .map(c -> body(c).get("type").getAsString()).toList();
      assertEquals(List.of("upload.completed", "upload.deleted"), order, id);
    }
    Hooks.assertSigned(receiver.calls);
  }
}
