package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.AuditCapture;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Over HTTP, each presign, complete and delete, and each refused request on an upload (by the
 * service, or by a filter in front of it), leaves one audit line with the caller's address and
 * the error code; no line holds a URL signature, a credential or any request header's value.
 */
class AuditIT {
  private static final String BUCKET = "audit";
  private static final String TOKEN = "Bearer token-ZXCVBNM-never-logged";
  private static final String COOKIE = "session=cookie-QWERTY-never-logged";
  private static final String ORIGIN = "https://evil-ASDFGH.example";
  private static LocalS3 store;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET, "max-file-size", "1MiB");
  }

  @AfterAll
  static void stop() {
    app.close();
    store.close();
  }

  private static HttpResponse<String> send(String method, String path, String body,
      String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.base + path))
        .header("Authorization", TOKEN).header("Cookie", COOKIE)
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", "application/json");
    }
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return app.http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void eachActionAndRefusalLeavesOneLineWithoutSecrets() throws Exception {
    app.awaitCompleteList(); // until then an unknown id answers INDEX_LOADING, not NOT_FOUND
    try (AuditCapture audit = new AuditCapture()) {
      byte[] content = bytes("audited");
      HttpResponse<String> presigned = send("POST", "api/uploads", "{\"filename\":"
          + "\"audited.txt\",\"contentType\":\"text/plain\",\"size\":" + content.length + "}");
      assertEquals(201, presigned.statusCode(), presigned.body());
      JsonObject presign = ApiClient.json(presigned);
      String id = presign.get("id").getAsString();
      assertEquals(200, app.putAsBrowser(presign, content).statusCode());
      assertEquals(200, send("POST", "api/uploads/" + id + "/complete", "{}").statusCode());
      assertEquals(400, send("POST", "api/uploads", "{\"filename\":\"big.txt\",\"contentType\":"
          + "\"text/plain\",\"size\":99999999}").statusCode());
      assertEquals(403, send("POST", "api/uploads", "{\"filename\":\"x.txt\",\"contentType\":"
          + "\"text/plain\",\"size\":3}", "Origin", ORIGIN).statusCode());
      assertEquals(404, send("DELETE", "api/uploads/" + "B".repeat(22), null).statusCode());
      assertEquals(204, send("DELETE", "api/uploads/" + id, null).statusCode());

      List<String> actions = audit.json().stream().map(l -> l.get("action").getAsString() + " "
          + l.get("outcome").getAsString()).toList();
      assertEquals(List.of("presign ok", "complete ok", "presign FILE_TOO_LARGE",
          "presign FORBIDDEN_ORIGIN", "delete NOT_FOUND", "delete ok"), actions);
      for (JsonObject line : audit.json()) {
        assertEquals("127.0.0.1", line.get("client").getAsString(), line.toString());
        assertEquals("anonymous", line.get("owner").getAsString(), line.toString());
      }
      assertEquals("B".repeat(22), audit.of("delete").get(0).get("uploadId").getAsString());

      String url = presign.get("url").getAsString();
      String signature = url.substring(url.indexOf("X-Amz-Signature=") + 16);
      for (String line : audit.lines()) {
        for (String secret : List.of(signature, "X-Amz-", LocalS3.ACCESS_KEY,
            LocalS3.SECRET_KEY, "ZXCVBNM", "QWERTY", "ASDFGH")) {
          assertFalse(line.contains(secret), "'" + secret + "' in " + line);
        }
        assertTrue(line.startsWith("{") && line.endsWith("}") && !line.contains("\n"), line);
      }
    }
  }
}
