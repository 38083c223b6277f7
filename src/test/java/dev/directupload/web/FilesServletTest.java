package dev.directupload.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import dev.directupload.upload.Caller;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code api/files}, {@code api/config}, {@code api/health} and unknown API paths at the servlet edge. */
class FilesServletTest {
  private static final Caller ANON = Caller.anonymous("127.0.0.1");
  private final Settings settings = TestSettings.with("allowed-types", "text/plain,image/*");
  private final FakeStore store = new FakeStore(settings);
  private final MemoryRegistry registry = new MemoryRegistry();
  private final MutableClock clock = new MutableClock(Instant.parse("2026-03-04T05:06:07Z"));
  private final UploadService service =
      new UploadService(settings, store, registry, clock);
  private final Callers callers = new Callers(settings);
  private final FilesServlet servlet = new FilesServlet(service, callers);

  private String completed(String name, int secondsAfterEpoch) {
    String id = service.presign(ANON, new UploadRequest(name, "text/plain", 5L, null))
        .upload().id();
    var spec = store.lastSpec;
    store.put(spec.key(), 5, "text/plain", spec.metadata(),
        Instant.parse("2026-01-01T00:00:00Z").plusSeconds(secondsAfterEpoch));
    service.complete(ANON, id);
    return id;
  }


  @AfterEach
  void closeStore() {
    store.close();
  }
  @Test
  void listsNewestFirstWithCursorUntilTheEnd() throws Exception {
    String older = completed("old.txt", 1);
    String newer = completed("new.txt", 2);
    ServletCall first = ServletCall.get(servlet, null, "limit=1");
    assertEquals(200, first.status);
    JsonArray files = first.json().getAsJsonArray("files");
    assertEquals(newer, files.get(0).getAsJsonObject().get("id").getAsString());
    String cursor = first.json().get("nextCursor").getAsString();

    ServletCall second = ServletCall.get(servlet, null, "limit=1&cursor=" + cursor);
    JsonObject file = second.json().getAsJsonArray("files").get(0).getAsJsonObject();
    assertEquals(older, file.get("id").getAsString());
    assertEquals("old.txt", file.get("name").getAsString());
    assertEquals(5, file.get("size").getAsLong());
    assertEquals("2026-01-01T00:00:01Z", file.get("uploadedAt").getAsString());
    assertTrue(file.get("publicUrl").isJsonNull(), "objects are private by default");
    assertTrue(second.json().get("nextCursor").isJsonNull());
  }

  @Test
  void publicReadListsEachFilesPermanentUrl() throws Exception {
    Settings publicSettings = TestSettings.with("public-read", "true");
    try (FakeStore publicStore = new FakeStore(publicSettings)) {
      UploadService publicService = new UploadService(publicSettings, publicStore,
          new MemoryRegistry(), Clock.systemUTC());
      String id = publicService.presign(ANON, new UploadRequest("a.txt", "text/plain", 5L,
          null)).upload().id();
      publicStore.putAsSigned(publicStore.lastSpec);
      publicService.complete(ANON, id);
      JsonObject file = ServletCall.get(new FilesServlet(publicService, callers), null, null).json()
          .getAsJsonArray("files").get(0).getAsJsonObject();
      assertEquals(FakeStore.ENDPOINT + "/test-bucket/" + publicStore.lastSpec.key(),
          file.get("publicUrl").getAsString());
    }
  }

  @Test
  void emptyBucketListsNothing() throws Exception {
    ServletCall call = ServletCall.get(servlet, null, null);
    assertEquals(0, call.json().getAsJsonArray("files").size());
    assertTrue(call.json().get("nextCursor").isJsonNull());
  }

  @Test
  void badLimitOrCursorIs400() throws Exception {
    for (String query : new String[] {"limit=0", "limit=1001", "limit=ten", "limit=",
        "limit=99999999999", "cursor=bogus"}) {
      ServletCall call = ServletCall.get(servlet, null, query);
      assertEquals(400, call.status, query);
      assertEquals("INVALID_REQUEST", call.errorCode(), query);
    }
  }

  @Test
  void downloadRedirectsToAShortLivedAttachmentUrl() throws Exception {
    String id = completed("report.txt", 1);
    ServletCall call = ServletCall.get(servlet, "/" + id + "/download", null);
    assertEquals(302, call.status);
    String location = call.headers.get("location");
    assertTrue(location.startsWith(FakeStore.ENDPOINT + "/test-bucket/uploads/"), location);
    assertTrue(location.contains("response-content-disposition=attachment"), location);
    assertTrue(location.contains("X-Amz-Signature="), location);
    assertTrue(location.contains("&X-Amz-Expires=900&"), "valid for url-expiry: " + location);
  }

  @Test
  void downloadOfUnknownOrPendingUploadIs404() throws Exception {
    String pending = service.presign(ANON, new UploadRequest("p.txt", "text/plain", 5L,
        null)).upload().id();
    for (String id : new String[] {pending, "AAAAAAAAAAAAAAAAAAAAAA", "x"}) {
      ServletCall call = ServletCall.get(servlet, "/" + id + "/download", null);
      assertEquals(404, call.status, id);
      assertEquals("NOT_FOUND", call.errorCode());
    }
  }

  @Test
  void onlyGetIsAllowed() throws Exception {
    ServletCall call = ServletCall.run(servlet, "DELETE", null, null, null, null);
    assertEquals(405, call.status);
    assertEquals("GET", call.headers.get("allow"));
  }

  @Test
  void unknownSubpathIs404() throws Exception {
    assertEquals(404, ServletCall.get(servlet, "/x", null).status);
    assertEquals(404, ServletCall.get(servlet, "/x/y/download", null).status);
  }

  @Test
  void configTellsThePageTheLimits() throws Exception {
    ServletCall call = ServletCall.get(new ConfigServlet(service, callers), null, null);
    assertEquals(200, call.status);
    JsonObject json = call.json();
    assertEquals(5L << 30, json.get("maxFileSize").getAsLong());
    assertEquals("[\"text/plain\",\"image/*\"]", json.get("allowedTypes").toString());
    assertEquals(900, json.get("urlExpirySeconds").getAsLong());
    assertEquals(405, ServletCall.postJson(new ConfigServlet(service, callers), null, "{}").status);
  }

  @Test
  void healthIsUpWhenTheBucketAnswersAndDownWithTheReasonWhenNot() throws Exception {
    HealthServlet health = new HealthServlet(service, false, Optional::empty, Optional.empty());
    ServletCall up = ServletCall.get(health, null, null);
    assertEquals(200, up.status);
    assertEquals("UP", up.json().get("status").getAsString());
    JsonObject cors = up.json().getAsJsonObject("cors");
    assertTrue(cors.get("ok").getAsBoolean());
    assertEquals("http://localhost:8080", cors.get("origin").getAsString(),
        "the page's origin is the request's");
    assertEquals("http://localhost:8080", cors.getAsJsonArray("rules").get(0).getAsJsonObject()
        .getAsJsonArray("AllowedOrigins").get(0).getAsString());
    store.down = true;
    clock.advance(java.time.Duration.ofSeconds(5));
    ServletCall down = ServletCall.get(health, null, null);
    assertEquals(503, down.status);
    assertEquals("DOWN", down.json().get("status").getAsString());
    assertEquals("the store did not answer while testing", down.json().get("problem").getAsString());
  }

  @Test
  void unknownApiPathIsAJson404ForEveryMethod() throws Exception {
    for (String method : new String[] {"GET", "POST", "DELETE", "PATCH"}) {
      ServletCall call = ServletCall.run(new NotFoundServlet(), method, "/nope", null, null, null);
      assertEquals(404, call.status);
      assertEquals("NOT_FOUND", call.errorCode());
    }
  }
}
