package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two instances over one bucket and one PostgreSQL database, behind an imaginary load balancer
 * with no sticky sessions: what one does, the other lists at its very next request (no waiting
 * for {@code index-refresh}, set to an hour here so it cannot help); completing one upload on
 * both at the same moment makes one file, counted once; and the per-user pending limit holds
 * across both, even for presigns that arrive together.
 */
class PostgresScaleOutIT {
  private static final String BUCKET = "shared-db";
  private static final int PENDING_PER_USER = 6;
  private static LocalS3 store;
  private static AppUnderTest a;
  private static AppUnderTest b;

  @BeforeAll
  static void start() throws Exception {
    TestPostgres postgres = TestPostgres.shared();
    String database = postgres.createDatabase("scale_out");
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    String[] settings = {
        "database-url", postgres.url(database),
        "database-user", postgres.user(),
        "database-password", postgres.password(),
        "index-refresh", "PT1H",
        "max-pending-per-user", Integer.toString(PENDING_PER_USER),
        "multipart-threshold", "5MiB",
        "part-size", "5MiB"};
    a = AppUnderTest.start(store, BUCKET, settings);
    b = AppUnderTest.start(store, BUCKET, settings);
    a.awaitCompleteList(); // the (empty) bucket's import is done: the list is the database's
    b.awaitCompleteList();
  }

  @AfterAll
  static void stop() {
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    if (store != null) {
      store.close();
    }
  }

  /** Presigns and PUTs on {@code on}; the upload's id. */
  private static String uploaded(ApiClient on, String name, byte[] content) throws Exception {
    JsonObject presign = on.presign(name, "text/plain", content.length);
    assertEquals(200, on.putAsBrowser(presign, content).statusCode());
    return presign.get("id").getAsString();
  }

  @Test
  void aFileCompletedOnOneIsListedByTheOtherAtItsNextRequest() throws Exception {
    byte[] content = bytes("completed on a");
    String id = uploaded(a, "at-once.txt", content);
    assertTrue(b.pendingIds().contains(id), "b knows the pending upload a signed");

    HttpResponse<String> complete = a.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), complete.body());
    assertTrue(b.listedIds().contains(id), "b lists it at once");
    assertFalse(b.pendingIds().contains(id), "b no longer holds it as pending");
    assertArrayEquals(content, b.download(id));
  }

  @Test
  void aFileDeletedOnOneIsGoneFromTheOtherAtItsNextRequest() throws Exception {
    String id = uploaded(a, "short-lived.txt", bytes("deleted on b"));
    assertEquals(200, a.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertTrue(b.listedIds().contains(id));

    assertEquals(204, b.delete("api/uploads/" + id).statusCode());
    assertFalse(a.listedIds().contains(id), "a no longer lists it");
    assertEquals(404, a.get("api/files/" + id + "/download").statusCode());
  }

  @Test
  void completingOneUploadOnBothAtTheSameMomentMakesOneFile() throws Exception {
    int uploads = 12;
    List<String> ids = new ArrayList<>();
    int filesBefore = files(a);
    for (int i = 0; i < uploads; i++) {
      String id = uploaded(a, "race-" + i + ".txt", bytes("raced " + i));
      ids.add(id);
      // Both requests are on the wire before either is answered.
      CompletableFuture<HttpResponse<String>> onA = completeAsync(a, id);
      CompletableFuture<HttpResponse<String>> onB = completeAsync(b, id);
      for (HttpResponse<String> answer : List.of(onA.get(), onB.get())) {
        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals(id, json(answer).get("id").getAsString());
      }
    }

    for (AppUnderTest app : List.of(a, b)) {
      List<String> listed = app.listedIds();
      for (String id : ids) {
        assertEquals(1, Collections.frequency(listed, id), id + " listed once");
      }
      assertEquals(filesBefore + uploads, files(app), "each upload counted once");
    }
  }

  @Test
  void thePerUserPendingLimitHoldsAcrossBothInstances() throws Exception {
    assertEquals(List.of(), a.pendingIds(), "nothing pending before");
    int asked = 2 * PENDING_PER_USER;
    List<CompletableFuture<HttpResponse<String>>> presigns = new ArrayList<>();
    for (int i = 0; i < asked; i++) {
      ApiClient on = i % 2 == 0 ? a : b;
      presigns.add(on.http.sendAsync(HttpRequest.newBuilder(URI.create(on.base + "api/uploads"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"filename\":\"limit-" + i
              + ".txt\",\"contentType\":\"text/plain\",\"size\":5}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    int admitted = 0;
    for (CompletableFuture<HttpResponse<String>> presign : presigns) {
      HttpResponse<String> answer = presign.get();
      if (answer.statusCode() == 201) {
        admitted++;
      } else {
        assertEquals(429, answer.statusCode(), answer.body());
        assertEquals("PENDING_LIMIT",
            json(answer).getAsJsonObject("error").get("code").getAsString());
      }
    }
    try {
      assertEquals(PENDING_PER_USER, admitted, "the limit counts both instances' presigns");
      assertEquals(PENDING_PER_USER, b.pendingIds().size());
    } finally {
      for (String id : a.pendingIds()) {
        assertEquals(204, a.delete("api/uploads/" + id).statusCode());
      }
    }
  }

  @Test
  void aMultipartUploadSignedOnOneGoesOnAndCompletesThroughTheOther() throws Exception {
    int mib = 1 << 20;
    byte[] file = MultipartIT.randomBytes(11 * mib, 5);
    JsonObject presign = a.presign("film.mp4", "video/mp4", file.length);
    String id = presign.get("id").getAsString();
    assertEquals(3, presign.getAsJsonObject("multipart").get("partCount").getAsInt());

    for (int n = 1; n <= 3; n++) {
      ApiClient on = n == 2 ? a : b; // parts 1 and 3 signed by b, part 2 by a
      byte[] part = Arrays.copyOfRange(file, (n - 1) * 5 * mib, Math.min(n * 5 * mib,
          file.length));
      HttpResponse<String> signed = on.post("api/uploads/" + id + "/parts",
          "{\"parts\":[{\"partNumber\":" + n + ",\"checksumSha256\":\""
              + MultipartIT.sha256(part) + "\"}]}");
      assertEquals(200, signed.statusCode(), signed.body());
      JsonObject url = json(signed).getAsJsonArray("parts").get(0).getAsJsonObject();
      assertEquals(200, on.putAsBrowser(url, part).statusCode());
    }
    HttpResponse<String> complete = a.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), complete.body());
    assertTrue(b.listedIds().contains(id));
    assertArrayEquals(file, b.download(id));
  }

  private static CompletableFuture<HttpResponse<String>> completeAsync(ApiClient on, String id) {
    return on.http.sendAsync(HttpRequest.newBuilder(
            URI.create(on.base + "api/uploads/" + id + "/complete"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The completed files {@code api/health} counts. */
  private static int files(ApiClient on) throws Exception {
    HttpResponse<String> health = on.get("api/health");
    return json(health).get("files").getAsInt();
  }
}
