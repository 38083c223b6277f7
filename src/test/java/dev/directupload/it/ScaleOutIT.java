package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances behind an imaginary load balancer, over one bucket, with no sticky sessions:
 * whatever one does, the other answers for, at once when asked about the id, and in its list
 * after its next look at the change records.
 */
class ScaleOutIT {
  private static final String BUCKET = "shared";
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static LocalS3 store;
  private static AppUnderTest a;
  private static AppUnderTest b;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    a = AppUnderTest.start(store, BUCKET, "index-refresh", "PT1S");
    b = AppUnderTest.start(store, BUCKET, "index-refresh", "PT1S");
  }

  @AfterAll
  static void stop() throws Exception {
    a.close();
    b.close();
    store.close();
  }

  @Test
  void signedOnOneCompletedOnTheOtherListedOnBoth() throws Exception {
    byte[] content = bytes("signed by a, completed by b");
    JsonObject presign = a.presign("handover.txt", "text/plain", content.length);
    String id = presign.get("id").getAsString();
    assertEquals(200, a.putAsBrowser(presign, content).statusCode());

    HttpResponse<String> complete = b.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), complete.body());
    assertEquals("handover.txt", json(complete).get("name").getAsString());
    assertEquals(content.length, json(complete).get("size").getAsLong());
    assertTrue(b.listedIds().contains(id));
    assertArrayEquals(content, b.download(id));

    awaitTrue("a lists the file b completed", () -> a.listedIds().contains(id));
    assertFalse(a.pendingIds().contains(id), "a no longer holds it as pending");
    assertEquals(200, a.post("api/uploads/" + id + "/complete", "{}").statusCode());
  }

  @Test
  void completedOnOneAppearsInTheOthersListWithoutAskingForIt() throws Exception {
    JsonObject presign = a.presign("quiet.txt", "text/plain", 5);
    String id = presign.get("id").getAsString();
    assertEquals(200, a.putAsBrowser(presign, bytes("quiet")).statusCode());
    assertEquals(200, a.post("api/uploads/" + id + "/complete", "{}").statusCode());
    awaitTrue("b lists the file a completed", () -> b.listedIds().contains(id));
  }

  @Test
  void deletedOnOneGoneOnBoth() throws Exception {
    byte[] content = bytes("short-lived");
    JsonObject presign = a.presign("gone.txt", "text/plain", content.length);
    String id = presign.get("id").getAsString();
    assertEquals(200, a.putAsBrowser(presign, content).statusCode());
    assertEquals(200, a.post("api/uploads/" + id + "/complete", "{}").statusCode());
    // b is asked before its next look: it finds the object by the id.
    assertArrayEquals(content, b.download(id));

    assertEquals(204, b.delete("api/uploads/" + id).statusCode());
    assertFalse(b.listedIds().contains(id));
    awaitTrue("a no longer lists the file b deleted", () -> !a.listedIds().contains(id));
    assertEquals(404, a.get("api/files/" + id + "/download").statusCode());
    assertEquals(404, b.get("api/files/" + id + "/download").statusCode());
  }

  @Test
  void anUploadNobodyFinishedIsUnknownElsewhere() throws Exception {
    String id = a.presign("never.txt", "text/plain", 5).get("id").getAsString();
    HttpResponse<String> complete = b.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(404, complete.statusCode(), complete.body());
    assertTrue(a.pendingIds().contains(id), "a still waits for it");
    assertEquals(204, a.delete("api/uploads/" + id).statusCode());
  }

  /** Polls until {@code condition} holds; fails with {@code what} at the deadline. */
  private static void awaitTrue(String what, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (!condition.call()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("Not true within " + DEADLINE + ": " + what);
      }
      LockSupport.parkNanos(Duration.ofMillis(100).toNanos()); // poll interval
    }
  }
}
