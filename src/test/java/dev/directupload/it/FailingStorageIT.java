package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * With the store failing in each way a network or store fails (reset, hang, cut response,
 * 500, 503), the app keeps its promises: complete answers 503 with Retry-After and the upload
 * stays pending, the list keeps answering from the index, health says DOWN, no internal detail
 * reaches the client, and once the store is back the upload completes.
 */
class FailingStorageIT {
  private static final String BUCKET = "faults";
  private static LocalS3 store;
  private static FaultProxy proxy;
  private static AppUnderTest app;
  private static String listedId;
  private static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    proxy = new FaultProxy(store.endpoint());
    s3 = store.client();
    app = AppUnderTest.start(proxy.endpoint(), BUCKET, "storage-timeout", "PT3S");
    listedId = upload("already-listed.txt");
    assertEquals(200, app.post("api/uploads/" + listedId + "/complete", "{}").statusCode());
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    app.close();
    proxy.close();
    store.close();
  }

  @AfterEach
  void heal() {
    proxy.mode(FaultProxy.Mode.PASS);
  }

  /** Presigns and PUTs through the proxy while it passes; answers the id, still pending. */
  private static String upload(String name) throws Exception {
    byte[] content = bytes("bytes of " + name);
    JsonObject presign = app.presign(name, "text/plain", content.length);
    assertEquals(200, app.putAsBrowser(presign, content).statusCode());
    return presign.get("id").getAsString();
  }

  @ParameterizedTest
  @EnumSource(value = FaultProxy.Mode.class, names = "PASS", mode = EnumSource.Mode.EXCLUDE)
  void failingStoreIsRetryableAndLosesNothing(FaultProxy.Mode fault) throws Exception {
    String id = upload("during-" + fault + ".txt");
    proxy.mode(fault);

    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(503, complete.statusCode(), complete.body());
    assertEquals("STORAGE_UNAVAILABLE",
        json(complete).getAsJsonObject("error").get("code").getAsString());
    assertTrue(complete.headers().firstValue("Retry-After").isPresent());
    String body = complete.body();
    for (String secret : new String[] {proxy.endpoint().getHost() + ":",
        String.valueOf(proxy.endpoint().getPort()), LocalS3.ACCESS_KEY, "Exception",
        "injected fault", "SlowDown", "InternalError"}) {
      assertFalse(body.contains(secret), "leaked '" + secret + "' in " + body);
    }

    assertTrue(app.get("api/uploads?status=pending").body().contains(id), "still pending");
    HttpResponse<String> list = app.get("api/files");
    assertEquals(200, list.statusCode());
    assertTrue(list.body().contains(listedId), "the list answers from the index");
    assertFalse(list.body().contains(id), "nothing unverified is listed");

    HttpResponse<String> health = app.get("api/health");
    assertEquals(503, health.statusCode());
    assertEquals("DOWN", json(health).get("status").getAsString());
    assertFalse(health.body().contains(LocalS3.ACCESS_KEY));

    proxy.mode(FaultProxy.Mode.PASS);
    HttpResponse<String> later = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, later.statusCode(), later.body());
    assertTrue(app.get("api/files").body().contains(id));
  }

  @ParameterizedTest
  @EnumSource(value = FaultProxy.Mode.class, names = "PASS", mode = EnumSource.Mode.EXCLUDE)
  void deleteDuringAFaultKeepsTheFileUntilItReallyGoes(FaultProxy.Mode fault) throws Exception {
    String id = upload("delete-during-" + fault + ".txt");
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
    String key = "uploads/anonymous/";
    proxy.mode(fault);
    HttpResponse<String> delete = app.delete("api/uploads/" + id);
    proxy.mode(FaultProxy.Mode.PASS);
    // A cut answer may come after the store did delete: either way, the list tells the truth.
    boolean stored = s3.listObjectsV2(r -> r.bucket(BUCKET).prefix(key)).contents().stream()
        .anyMatch(o -> o.key().contains("/" + id + "/"));
    boolean listed = app.get("api/files").body().contains(id);
    assertEquals(stored, listed, "listed exactly when stored, after " + delete.statusCode());
    if (delete.statusCode() == 204) {
      assertFalse(stored);
    } else {
      assertEquals(503, delete.statusCode(), delete.body());
      assertEquals(204, app.delete("api/uploads/" + id).statusCode());
      assertFalse(app.get("api/files").body().contains(id));
    }
  }
}
