package dev.directupload.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.TestSettings;
import dev.directupload.upload.UploadService;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code api/uploads} at the servlet edge: a presign answers exactly what the browser must send,
 * and every refused request answers a JSON error and leaves the index and the store untouched.
 */
class UploadsServletTest {
  private final Settings settings = TestSettings.with("max-file-size", "1MiB", "max-pending", "3");
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final UploadService service =
      new UploadService(settings, store, registry, Clock.systemUTC());
  private final UploadsServlet servlet =
      new UploadsServlet(service, new Callers(settings), settings.bodyTimeout());

  private static final String VALID = "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
      + "\"size\":12}";

  private String presignedId() throws Exception {
    return ServletCall.postJson(servlet, null, VALID).json().get("id").getAsString();
  }


  @AfterEach
  void closeStore() {
    store.close();
  }
  @Test
  void presignAnswers201WithTheSignedUrlAndTheHeadersToSend() throws Exception {
    ServletCall call = ServletCall.postJson(servlet, null, VALID);
    assertEquals(201, call.status);
    assertEquals("application/json;charset=UTF-8", call.contentType);
    assertEquals("no-store", call.headers.get("cache-control"));
    JsonObject json = call.json();
    String id = json.get("id").getAsString();
    assertEquals("PUT", json.get("method").getAsString());
    assertTrue(json.get("key").getAsString().endsWith("/" + id + "/a.txt"));
    assertTrue(json.get("url").getAsString().startsWith(FakeStore.ENDPOINT + "/test-bucket/"));
    JsonObject headers = json.getAsJsonObject("headers");
    assertEquals("text/plain", headers.get("content-type").getAsString());
    assertEquals(id, headers.get("x-amz-meta-upload-id").getAsString());
    assertFalse(headers.has("host"));
    assertFalse(headers.has("content-length"));
    assertTrue(json.get("expiresAt").getAsString().endsWith("Z"));
    assertEquals(1, registry.pendingCount());
  }

  @ParameterizedTest(name = "[{index}] {0} → {2} {3}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "`{}`|application/json|400|INVALID_FILENAME",
      "`{\"contentType\":\"text/plain\",\"size\":1}`|application/json|400|INVALID_FILENAME",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\"}`|application/json|400|INVALID_SIZE",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1.5}`|application/json|400|INVALID_SIZE",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1e30}`|application/json|400|INVALID_SIZE",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":\"12\"}`|application/json|400|INVALID_SIZE",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":-1}`|application/json|400|INVALID_SIZE",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1048577}`|application/json|400|FILE_TOO_LARGE",
      "`{\"filename\":\"a.svg\",\"contentType\":\"image/svg+xml\",\"size\":1}`|application/json|400|TYPE_NOT_ALLOWED",
      "`{\"filename\":\"../a.txt\",\"contentType\":\"text/plain\",\"size\":1}`|application/json|400|INVALID_FILENAME",
      "`{\"filename\":7,\"contentType\":\"text/plain\",\"size\":1}`|application/json|400|INVALID_REQUEST",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1,\"checksumSha256\":\"abc\"}`|application/json|400|INVALID_CHECKSUM",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1,\"owner\":\"root\"}`|application/json|400|INVALID_REQUEST",
      "`{\"filename\":\"a.txt\",\"filename\":\"b.txt\",\"contentType\":\"text/plain\",\"size\":1}`|application/json|400|MALFORMED_JSON",
      "`{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":1} {}`|application/json|400|MALFORMED_JSON",
      "`{\"filename\":\"a.txt\",`|application/json|400|MALFORMED_JSON",
      "`{'filename':'a.txt'}`|application/json|400|MALFORMED_JSON",
      "`[1,2]`|application/json|400|MALFORMED_JSON",
      "``|application/json|400|MALFORMED_JSON",
      "`" + VALID + "`|text/plain|415|UNSUPPORTED_MEDIA_TYPE",
      "`" + VALID + "`|application/x-www-form-urlencoded|415|UNSUPPORTED_MEDIA_TYPE",
      "`" + VALID + "`||415|UNSUPPORTED_MEDIA_TYPE",
  })
  void badPresignRequestIsAJsonErrorAndChangesNothing(String body, String contentType,
      int status, String code) throws Exception {
    ServletCall call = ServletCall.run(servlet, "POST", null, null, contentType,
        body.getBytes(StandardCharsets.UTF_8));
    assertEquals(status, call.status, call.body.toString());
    assertEquals(code, call.errorCode());
    assertFalse(call.errorMessage().isBlank());
    assertEquals(0, registry.pendingCount());
    assertEquals(List.of(), store.calls);
  }

  @Test
  void bodyOverTheCapIs413() throws Exception {
    String big = "{\"filename\":\"" + "a".repeat(Json.MAX_BODY_BYTES) + "\"}";
    ServletCall call = ServletCall.postJson(servlet, null, big);
    assertEquals(413, call.status);
    assertEquals("BODY_TOO_LARGE", call.errorCode());
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void invalidUtf8IsMalformed() throws Exception {
    byte[] body = {'{', '"', 'f', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'};
    ServletCall call = ServletCall.run(servlet, "POST", null, null, "application/json", body);
    assertEquals("MALFORMED_JSON", call.errorCode());
    assertTrue(call.errorMessage().contains("UTF-8"), call.errorMessage());
  }

  @Test
  void fullIndexAnswers503WithRetryAfter() throws Exception {
    for (int i = 0; i < 3; i++) {
      presignedId();
    }
    ServletCall call = ServletCall.postJson(servlet, null, VALID);
    assertEquals(503, call.status);
    assertEquals("TOO_MANY_PENDING", call.errorCode());
    assertEquals("5", call.headers.get("retry-after"));
    assertEquals(3, registry.pendingCount());
  }

  @Test
  void pendingUploadsAreListedForResume() throws Exception {
    String id = presignedId();
    ServletCall call = ServletCall.get(servlet, null, "status=pending");
    assertEquals(200, call.status);
    JsonObject first = call.json().getAsJsonArray("uploads").get(0).getAsJsonObject();
    assertEquals(id, first.get("id").getAsString());
    assertEquals("a.txt", first.get("name").getAsString());
    assertEquals("INVALID_REQUEST", ServletCall.get(servlet, null, null).errorCode());
  }

  @Test
  void completeAnswersTheListedFile() throws Exception {
    String id = presignedId();
    store.putAsSigned(store.lastSpec);
    ServletCall call = ServletCall.postJson(servlet, "/" + id + "/complete", "{}");
    assertEquals(200, call.status);
    JsonObject file = call.json();
    assertEquals(id, file.get("id").getAsString());
    assertEquals("a.txt", file.get("name").getAsString());
    assertEquals(12, file.get("size").getAsLong());
    assertEquals("text/plain", file.get("contentType").getAsString());
    assertEquals("api/files/" + id + "/download", file.get("downloadUrl").getAsString());
  }

  @Test
  void completeBeforeThePutIs409() throws Exception {
    String id = presignedId();
    ServletCall call = ServletCall.postJson(servlet, "/" + id + "/complete", "{}");
    assertEquals(409, call.status);
    assertEquals("NOT_UPLOADED", call.errorCode());
  }

  @Test
  void completeOfADifferentObjectIs422AndRemovesIt() throws Exception {
    String id = presignedId();
    var spec = store.lastSpec;
    store.put(spec.key(), 11, "text/plain", spec.metadata(), java.time.Instant.now());
    ServletCall call = ServletCall.postJson(servlet, "/" + id + "/complete", "{}");
    assertEquals(422, call.status);
    assertEquals("OBJECT_MISMATCH", call.errorCode());
    assertFalse(store.objects.containsKey(spec.key()));
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void completeWithTheStoreDownIs503AndRevealsNothingInternal() throws Exception {
    String id = presignedId();
    store.putAsSigned(store.lastSpec);
    store.down = true;
    ServletCall call = ServletCall.postJson(servlet, "/" + id + "/complete", "{}");
    assertEquals(503, call.status);
    assertEquals("STORAGE_UNAVAILABLE", call.errorCode());
    assertEquals("5", call.headers.get("retry-after"));
    assertFalse(call.body.toString().contains("127.0.0.1"));
  }

  @Test
  void unexpectedFailureIsAGeneric500() throws Exception {
    String id = presignedId();
    store.bug = new IllegalStateException("secret internal detail");
    ServletCall call = ServletCall.postJson(servlet, "/" + id + "/complete", "{}");
    assertEquals(500, call.status);
    assertEquals("INTERNAL_ERROR", call.errorCode());
    assertFalse(call.body.toString().contains("secret"));
  }

  @Test
  void unknownOrMalformedIdIs404() throws Exception {
    for (String id : List.of("AAAAAAAAAAAAAAAAAAAAAA", "not-an-id", "%00")) {
      ServletCall call = ServletCall.postJson(servlet, "/" + id + "/complete", "{}");
      assertEquals(404, call.status, id);
      assertEquals("NOT_FOUND", call.errorCode());
    }
  }

  @Test
  void deleteCancelsAPendingUpload() throws Exception {
    String id = presignedId();
    ServletCall call = ServletCall.run(servlet, "DELETE", "/" + id, null, null, null);
    assertEquals(204, call.status);
    assertEquals(0, call.body.size());
    assertEquals(0, registry.pendingCount());
    assertEquals(404, ServletCall.run(servlet, "DELETE", "/" + id, null, null, null).status);
  }

  @Test
  void wrongMethodIs405WithAllow() throws Exception {
    String id = presignedId();
    ServletCall put = ServletCall.run(servlet, "PUT", null, null, null, null);
    assertEquals(405, put.status);
    assertEquals("GET, POST", put.headers.get("allow"));
    assertEquals("METHOD_NOT_ALLOWED", put.errorCode());
    assertEquals("DELETE", ServletCall.run(servlet, "POST", "/" + id, null, null, null)
        .headers.get("allow"));
    assertEquals("POST", ServletCall.get(servlet, "/" + id + "/complete", null)
        .headers.get("allow"));
  }

  @Test
  void unknownSubpathIs404() throws Exception {
    ServletCall call = ServletCall.postJson(servlet, "/x/y/z", "{}");
    assertEquals(404, call.status);
    assertEquals("NOT_FOUND", call.errorCode());
  }
}
