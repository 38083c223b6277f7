package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The whole product over real HTTP: presigned PUTs go to an S3-compatible store (S3Proxy), the
 * app verifies what arrived, lists it, serves it back and deletes it. Nothing is mocked.
 */
class UploadRoundTripIT {
  private static final String BUCKET = "round-trip";
  private static LocalS3 store;
  private static AppUnderTest app;
  private static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET);
    s3 = store.client();
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    app.close();
    store.close();
  }

  private static boolean exists(String key) {
    return !s3.listObjectsV2(r -> r.bucket(BUCKET).prefix(key)).contents().isEmpty();
  }

  private static JsonArray listedFiles(ApiClient on) throws Exception {
    on.awaitCompleteList();
    HttpResponse<String> list = on.get("api/files?limit=1000");
    assertEquals(200, list.statusCode(), list.body());
    return json(list).getAsJsonArray("files");
  }

  private static boolean listed(ApiClient on, String id) throws Exception {
    for (var f : listedFiles(on)) {
      if (f.getAsJsonObject().get("id").getAsString().equals(id)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void presignPutCompleteListDownloadDelete() throws Exception {
    byte[] content = bytes("Grüße aus dem Bucket\n");
    JsonObject presign = app.presign("Grüße — notes.txt", "text/plain", content.length);
    String id = presign.get("id").getAsString();

    HttpResponse<String> put = app.putAsBrowser(presign, content);
    assertEquals(200, put.statusCode(), put.body());

    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), complete.body());
    JsonObject file = json(complete);
    assertEquals("Grüße — notes.txt", file.get("name").getAsString());
    assertEquals(content.length, file.get("size").getAsLong());
    assertTrue(listed(app, id));

    HttpResponse<String> redirect = app.get("api/files/" + id + "/download");
    assertEquals(302, redirect.statusCode());
    HttpResponse<byte[]> download = app.http.send(HttpRequest.newBuilder(
        URI.create(redirect.headers().firstValue("Location").orElseThrow())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, download.statusCode());
    assertArrayEquals(content, download.body());
    assertEquals("attachment; filename=\"Gr__e _ notes.txt\"; "
        + "filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%E2%80%94%20notes.txt",
        download.headers().firstValue("Content-Disposition").orElseThrow());

    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
    assertFalse(listed(app, id));
    assertFalse(exists(presign.get("key").getAsString()));
    assertEquals(404, app.get("api/files/" + id + "/download").statusCode());
  }

  @Test
  void storeRefusesABodyLongerThanSigned() throws Exception {
    JsonObject presign = app.presign("short.txt", "text/plain", 5);
    HttpResponse<String> put = app.putAsBrowser(presign, bytes("123456"));
    assertEquals(403, put.statusCode(), put.body());
    assertFalse(exists(presign.get("key").getAsString()));
    assertEquals(409, app.post("api/uploads/" + presign.get("id").getAsString() + "/complete",
        "{}").statusCode());
  }

  @Test
  void storeRefusesBytesThatDoNotMatchTheSignedChecksum() throws Exception {
    String sum = Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(bytes("abc")));
    HttpResponse<String> answer = app.post("api/uploads", "{\"filename\":\"sum.txt\","
        + "\"contentType\":\"text/plain\",\"size\":3,\"checksumSha256\":\"" + sum + "\"}");
    assertEquals(201, answer.statusCode(), answer.body());
    JsonObject presign = json(answer);
    HttpResponse<String> put = app.putAsBrowser(presign, bytes("abd"));
    assertEquals(400, put.statusCode(), put.body());
    assertFalse(exists(presign.get("key").getAsString()));
    assertEquals(200, app.putAsBrowser(presign, bytes("abc")).statusCode());
    assertEquals(200, app.post("api/uploads/" + presign.get("id").getAsString() + "/complete",
        "{}").statusCode());
  }

  @Test
  void storeRefusesAnotherContentTypeThanSigned() throws Exception {
    JsonObject presign = app.presign("a.txt", "text/plain", 3);
    presign.getAsJsonObject("headers").addProperty("content-type", "text/html");
    assertEquals(403, app.putAsBrowser(presign, bytes("abc")).statusCode());
  }

  @Test
  void completeBeforeTheUploadIs409AndTheUploadCanStillFinish() throws Exception {
    JsonObject presign = app.presign("later.txt", "text/plain", 3);
    String id = presign.get("id").getAsString();
    HttpResponse<String> early = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(409, early.statusCode());
    assertEquals("NOT_UPLOADED", json(early).getAsJsonObject("error").get("code").getAsString());
    assertEquals(200, app.putAsBrowser(presign, bytes("abc")).statusCode());
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
  }

  @Test
  void objectOfAnotherSizeIsDeletedWith422() throws Exception {
    JsonObject presign = app.presign("swap.txt", "text/plain", 3);
    String id = presign.get("id").getAsString();
    String key = presign.get("key").getAsString();
    // Someone with bucket access writes other bytes at the key: the app must not list them.
    s3.putObject(r -> r.bucket(BUCKET).key(key).contentType("text/plain")
        .metadata(Map.of("upload-id", id)), RequestBody.fromString("four"));
    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(422, complete.statusCode(), complete.body());
    assertEquals("OBJECT_MISMATCH",
        json(complete).getAsJsonObject("error").get("code").getAsString());
    assertFalse(exists(key));
    assertFalse(listed(app, id));
  }

  @Test
  void signedChecksumTravelsWithTheUpload() throws Exception {
    byte[] content = bytes("checked bytes");
    String sha = Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(content));
    HttpResponse<String> response = app.post("api/uploads", "{\"filename\":\"c.txt\","
        + "\"contentType\":\"text/plain\",\"size\":" + content.length
        + ",\"checksumSha256\":\"" + sha + "\"}");
    assertEquals(201, response.statusCode(), response.body());
    JsonObject presign = json(response);
    assertEquals(sha, presign.getAsJsonObject("headers").get("x-amz-checksum-sha256")
        .getAsString());
    assertEquals(200, app.putAsBrowser(presign, content).statusCode());
    assertEquals(200, app.post("api/uploads/" + presign.get("id").getAsString() + "/complete",
        "{}").statusCode());
  }

  @Test
  void aRestartedAppListsTheSameFiles() throws Exception {
    byte[] content = bytes("survives restarts");
    JsonObject presign = app.presign("persistent é.txt", "text/plain", content.length);
    String id = presign.get("id").getAsString();
    app.putAsBrowser(presign, content);
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());

    try (AppUnderTest restarted = AppUnderTest.start(store, BUCKET)) {
      JsonObject again = null;
      for (var f : listedFiles(restarted)) {
        if (f.getAsJsonObject().get("id").getAsString().equals(id)) {
          again = f.getAsJsonObject();
        }
      }
      assertNotEquals(null, again, "the restarted app lists " + id);
      assertEquals("persistent é.txt", again.get("name").getAsString());
      assertEquals(content.length, again.get("size").getAsLong());
      assertEquals("text/plain", again.get("contentType").getAsString());
      assertEquals(302, restarted.get("api/files/" + id + "/download").statusCode());
    }
  }

  @Test
  void completeWhileTheStoreIsDownIs503AndSucceedsOnceItIsBack() throws Exception {
    byte[] content = bytes("patience");
    JsonObject presign = app.presign("patience.txt", "text/plain", content.length);
    String id = presign.get("id").getAsString();
    assertEquals(200, app.putAsBrowser(presign, content).statusCode());
    store.pause();
    try {
      HttpResponse<String> down = app.post("api/uploads/" + id + "/complete", "{}");
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("STORAGE_UNAVAILABLE",
          json(down).getAsJsonObject("error").get("code").getAsString());
      assertTrue(down.headers().firstValue("Retry-After").isPresent());
      assertFalse(down.body().contains("127.0.0.1"), down.body());
      assertEquals(503, app.awaitHealth(503).statusCode());
    } finally {
      store.resume();
    }
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertTrue(listed(app, id));
  }

  @Test
  void pageAndHealthAreServedUnderTheContextPath() throws Exception {
    HttpResponse<String> page = app.get("");
    assertEquals(200, page.statusCode());
    assertTrue(page.body().contains("<title>direct-upload</title>"));
    assertEquals(200, app.get("js/client.js").statusCode());
    assertEquals(404, app.get("WEB-INF/web.xml").statusCode());
    String csp = page.headers().firstValue("Content-Security-Policy").orElseThrow();
    assertTrue(csp.contains("connect-src 'self' " + store.endpoint()), csp);
    assertEquals("nosniff", page.headers().firstValue("X-Content-Type-Options").orElseThrow());
    HttpResponse<String> health = app.awaitHealth(200);
    assertEquals(200, health.statusCode(), health.body());
    assertEquals("UP", json(health).get("status").getAsString());
    assertEquals("no-store", health.headers().firstValue("Cache-Control").orElseThrow());
    HttpResponse<String> unknown = app.get("api/unknown");
    assertEquals(404, unknown.statusCode());
    assertTrue(unknown.headers().firstValue("Content-Type").orElseThrow()
        .startsWith("application/json"));
  }

  @Test
  void aPageOfAnotherSiteCannotStartOrDeleteUploads() throws Exception {
    int pendingBefore = json(app.get("api/uploads?status=pending")).getAsJsonArray("uploads")
        .size();
    HttpResponse<String> forged = app.http.send(HttpRequest.newBuilder(
        URI.create(app.base + "api/uploads"))
        .header("Content-Type", "application/json")
        .header("Origin", "https://evil.example")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, forged.statusCode(), forged.body());
    assertEquals("FORBIDDEN_ORIGIN", json(forged).getAsJsonObject("error").get("code")
        .getAsString());
    assertEquals(pendingBefore, json(app.get("api/uploads?status=pending"))
        .getAsJsonArray("uploads").size());
  }

  @Test
  void presignsBeyondTheRateLimitAre429() throws Exception {
    try (AppUnderTest limited = AppUnderTest.start(store, BUCKET, "rate-limit", "2")) {
      limited.presign("1.txt", "text/plain", 1);
      limited.presign("2.txt", "text/plain", 1);
      HttpResponse<String> third = limited.post("api/uploads",
          "{\"filename\":\"3.txt\",\"contentType\":\"text/plain\",\"size\":1}");
      assertEquals(429, third.statusCode(), third.body());
      assertEquals("30", third.headers().firstValue("Retry-After").orElseThrow());
    }
  }

  @Test
  void healthIsDownWhenTheBucketDoesNotExist() throws Exception {
    try (AppUnderTest misconfigured = AppUnderTest.start(store, "no-such-bucket")) {
      HttpResponse<String> health = misconfigured.get("api/health");
      assertEquals(503, health.statusCode());
      JsonObject body = json(health);
      assertEquals("DOWN", body.get("status").getAsString());
      assertTrue(body.get("problem").getAsString().contains("does not exist"), health.body());
    }
  }
}
