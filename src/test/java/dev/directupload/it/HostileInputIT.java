package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Every kind of bad request, over real HTTP against the whole stack: each answers a JSON error
 * with the right status and code, and leaves nothing behind: no pending upload, no listed file,
 * no object in the bucket.
 */
class HostileInputIT {
  private static final String BUCKET = "hostile";
  private static final String JSON = "application/json";
  private static LocalS3 store;
  private static AppUnderTest app;
  private static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET, "max-file-size", "1MiB");
    s3 = store.client();
  }

  @AfterAll
  static void stop() {
    s3.close();
    app.close();
    store.close();
  }

  @AfterEach
  void nothingWasStoredOrListed() throws Exception {
    assertEquals(0, json(app.get("api/uploads?status=pending")).getAsJsonArray("uploads").size(),
        "pending uploads");
    assertEquals(0, json(app.get("api/files")).getAsJsonArray("files").size(), "listed files");
    assertEquals(0, s3.listObjectsV2(r -> r.bucket(BUCKET)).keyCount(), "objects in the bucket");
  }

  /** A presign body with these raw JSON values (already quoted where they are strings). */
  private static String presign(String filename, String contentType, String size) {
    List<String> fields = new ArrayList<>();
    if (filename != null) {
      fields.add("\"filename\":" + filename);
    }
    if (contentType != null) {
      fields.add("\"contentType\":" + contentType);
    }
    if (size != null) {
      fields.add("\"size\":" + size);
    }
    return "{" + String.join(",", fields) + "}";
  }

  private static Arguments name(String rawJsonName) {
    return post("filename " + rawJsonName, presign(rawJsonName, "\"text/plain\"", "5"), 400,
        "INVALID_FILENAME");
  }

  private static Arguments post(String label, Object body, int status, String code) {
    return Arguments.of(label, "POST", "api/uploads", JSON, body, status, code);
  }

  static Stream<Arguments> cases() {
    String deep = "{\"x\":" + "[".repeat(300) + "]".repeat(300) + "}";
    byte[] badUtf8 = {'{', '"', 'f', 'i', 'l', 'e', 'n', 'a', 'm', 'e', '"', ':', '"',
        (byte) 0xC3, (byte) 0x28, '"', '}'};
    String sha = "\"47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\"";
    return Stream.of(
        // file names
        name("\"a/b.txt\""), name("\"..\\\\a.txt\""), name("\"../../etc/passwd\""),
        name("\"nul\\u0000.txt\""), name("\"cr\\r.txt\""), name("\"lf\\n.txt\""),
        name("\"tab\\t.txt\""), name("\"bell\\u0007.txt\""), name("\"del\\u007f.txt\""),
        name("\"gpj\\u202eexe.txt\""), name("\"iso\\u2066late.txt\""),
        name("\"mark\\u200e.txt\""), name("\"line\\u2028sep.txt\""),
        name("\"" + "\\u00e9".repeat(128) + ".txt\""), name("\"\""), name("\"   \""),
        name("\".\""), name("\"..\""), name("\"CON\""), name("\"con.txt\""), name("\"LPT1.pdf\""),
        name("\"nul\""), name("\"invoice.pdf.exe\""), name("\"photo.jpg.scr\""),
        name("\"report.txt.\""), name("\"report.txt \""), name("null"),
        post("filename missing", presign(null, "\"text/plain\"", "5"), 400, "INVALID_FILENAME"),
        post("filename not a string", presign("7", "\"text/plain\"", "5"), 400,
            "INVALID_REQUEST"),
        // sizes
        post("size missing", presign("\"a.txt\"", "\"text/plain\"", null), 400, "INVALID_SIZE"),
        post("size negative", presign("\"a.txt\"", "\"text/plain\"", "-1"), 400, "INVALID_SIZE"),
        post("size zero", presign("\"a.txt\"", "\"text/plain\"", "0"), 400, "INVALID_SIZE"),
        post("size fraction", presign("\"a.txt\"", "\"text/plain\"", "1.5"), 400,
            "INVALID_SIZE"),
        post("size 1e30", presign("\"a.txt\"", "\"text/plain\"", "1e30"), 400, "INVALID_SIZE"),
        post("size beyond long", presign("\"a.txt\"", "\"text/plain\"",
            "9223372036854775808"), 400, "INVALID_SIZE"),
        post("size with a huge exponent", presign("\"a.txt\"", "\"text/plain\"", "1e99999"), 400,
            "INVALID_SIZE"),
        post("size with a huge negative exponent", presign("\"a.txt\"", "\"text/plain\"",
            "-1e99999"), 400, "INVALID_SIZE"),
        post("size with a tiny exponent", presign("\"a.txt\"", "\"text/plain\"", "1e-99999"),
            400, "INVALID_SIZE"),
        post("size of a thousand digits", presign("\"a.txt\"", "\"text/plain\"",
            "9".repeat(1000)), 400, "INVALID_SIZE"),
        post("size string", presign("\"a.txt\"", "\"text/plain\"", "\"5\""), 400,
            "INVALID_SIZE"),
        post("size boolean", presign("\"a.txt\"", "\"text/plain\"", "true"), 400,
            "INVALID_SIZE"),
        post("size array", presign("\"a.txt\"", "\"text/plain\"", "[5]"), 400, "INVALID_SIZE"),
        post("size above the limit", presign("\"a.txt\"", "\"text/plain\"", "1048577"), 400,
            "FILE_TOO_LARGE"),
        // types
        post("svg", presign("\"a.svg\"", "\"image/svg+xml\"", "5"), 400, "TYPE_NOT_ALLOWED"),
        post("html", presign("\"a.html\"", "\"text/html\"", "5"), 400, "TYPE_NOT_ALLOWED"),
        post("header injection", presign("\"a.txt\"", "\"text/plain\\r\\nX-Evil: 1\"", "5"), 400,
            "TYPE_NOT_ALLOWED"),
        post("type parameters", presign("\"a.txt\"", "\"text/plain; charset=utf-8\"", "5"), 400,
            "TYPE_NOT_ALLOWED"),
        post("type empty", presign("\"a.txt\"", "\"\"", "5"), 400, "TYPE_NOT_ALLOWED"),
        post("type missing", presign("\"a.txt\"", null, "5"), 400, "TYPE_NOT_ALLOWED"),
        post("type without subtype", presign("\"a.txt\"", "\"image\"", "5"), 400,
            "TYPE_NOT_ALLOWED"),
        post("png sent as pdf", presign("\"cat.png\"", "\"application/pdf\"", "5"), 422,
            "TYPE_MISMATCH"),
        post("txt sent as png", presign("\"notes.txt\"", "\"image/png\"", "5"), 422,
            "TYPE_MISMATCH"),
        post("html sent as text", presign("\"page.html\"", "\"text/plain\"", "5"), 422,
            "TYPE_MISMATCH"),
        // checksums
        post("checksum not base64", "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
            + "\"size\":5,\"checksumSha256\":\"not base64!\"}", 400, "INVALID_CHECKSUM"),
        post("checksum too short", "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
            + "\"size\":5,\"checksumSha256\":\"AAAA\"}", 400, "INVALID_CHECKSUM"),
        post("checksum without padding", "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
            + "\"size\":5,\"checksumSha256\":" + sha.replace("=", "") + "}", 400,
            "INVALID_CHECKSUM"),
        post("checksum a number", "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
            + "\"size\":5,\"checksumSha256\":5}", 400, "INVALID_REQUEST"),
        // JSON
        post("truncated JSON", "{\"filename\":", 400, "MALFORMED_JSON"),
        post("trailing data", presign("\"a.txt\"", "\"text/plain\"", "5") + "{}", 400,
            "MALFORMED_JSON"),
        post("duplicate keys", "{\"filename\":\"a.txt\",\"filename\":\"b.txt\","
            + "\"contentType\":\"text/plain\",\"size\":5}", 400, "MALFORMED_JSON"),
        post("unknown field", "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\","
            + "\"size\":5,\"key\":\"../../x\"}", 400, "INVALID_REQUEST"),
        post("deep nesting", deep, 400, "MALFORMED_JSON"),
        post("invalid UTF-8", badUtf8, 400, "MALFORMED_JSON"),
        post("array instead of object", "[1,2,3]", 400, "MALFORMED_JSON"),
        post("empty body", "", 400, "MALFORMED_JSON"),
        post("single quotes", "{'filename':'a.txt'}", 400, "MALFORMED_JSON"),
        post("comment", "{/* hi */\"filename\":\"a.txt\"}", 400, "MALFORMED_JSON"),
        post("NaN", "{\"filename\":\"a.txt\",\"contentType\":\"text/plain\",\"size\":NaN}", 400,
            "MALFORMED_JSON"),
        // HTTP
        Arguments.of("text/plain body", "POST", "api/uploads", "text/plain",
            presign("\"a.txt\"", "\"text/plain\"", "5"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        Arguments.of("form body", "POST", "api/uploads", "application/x-www-form-urlencoded",
            "filename=a.txt", 415, "UNSUPPORTED_MEDIA_TYPE"),
        Arguments.of("no content type", "POST", "api/uploads", null,
            presign("\"a.txt\"", "\"text/plain\"", "5"), 415, "UNSUPPORTED_MEDIA_TYPE"),
        Arguments.of("PUT uploads", "PUT", "api/uploads", JSON, "{}", 405, "METHOD_NOT_ALLOWED"),
        Arguments.of("PATCH files", "PATCH", "api/files", JSON, "{}", 405, "METHOD_NOT_ALLOWED"),
        Arguments.of("DELETE config", "DELETE", "api/config", null, "", 405,
            "METHOD_NOT_ALLOWED"),
        Arguments.of("malformed id", "POST", "api/uploads/not-an-id/complete", JSON, "{}", 404,
            "NOT_FOUND"),
        Arguments.of("id with a space", "DELETE", "api/uploads/a%20b", null, "", 404,
            "NOT_FOUND"),
        Arguments.of("overlong id", "DELETE", "api/uploads/" + "A".repeat(500), null, "", 404,
            "NOT_FOUND"),
        Arguments.of("unknown id", "GET", "api/files/AAAAAAAAAAAAAAAAAAAAAA/download", null, "",
            404, "NOT_FOUND"),
        Arguments.of("limit zero", "GET", "api/files?limit=0", null, "", 400, "INVALID_REQUEST"),
        Arguments.of("limit text", "GET", "api/files?limit=abc", null, "", 400,
            "INVALID_REQUEST"),
        Arguments.of("limit too large", "GET", "api/files?limit=1001", null, "", 400,
            "INVALID_REQUEST"),
        Arguments.of("forged cursor", "GET", "api/files?cursor=bm9wZQ", null, "", 400,
            "INVALID_REQUEST"),
        Arguments.of("unknown status", "GET", "api/uploads?status=done", null, "", 400,
            "INVALID_REQUEST"),
        Arguments.of("unknown API", "GET", "api/nope", null, "", 404, "NOT_FOUND"),
        Arguments.of("too deep a path", "POST", "api/uploads/x/y/z", JSON, "{}", 404,
            "NOT_FOUND"));
  }

  /**
   * Over a raw socket, so the test can wait for the answer before sending the body: the server
   * refuses on the declared length alone, without reading a byte of the body. (An HTTP client
   * that sends the whole body first races the server closing the connection after its 413.)
   */
  @Test
  void bodyOverTheCapIsRefusedBeforeItIsRead() throws Exception {
    URI uri = URI.create(app.base + "api/uploads");
    try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
      socket.setSoTimeout(10_000);
      String head = "POST " + uri.getPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":"
          + uri.getPort() + "\r\nContent-Type: application/json\r\nContent-Length: "
          + (17 * 1024) + "\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(head.getBytes(StandardCharsets.ISO_8859_1));
      socket.getOutputStream().flush();
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
      assertTrue(answer.contains("\"code\":\"BODY_TOO_LARGE\""), answer);
    }
  }

  @ParameterizedTest(name = "[{index}] {0} → {5} {6}")
  @MethodSource("cases")
  void badRequestIsAClearJsonErrorAndChangesNothing(String label, String method, String path,
      String contentType, Object body, int status, String code) throws Exception {
    byte[] bytes = body instanceof byte[] b ? b : ((String) body).getBytes(StandardCharsets.UTF_8);
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.base + path))
        .method(method, bytes.length == 0 ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(bytes));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    HttpResponse<String> response = app.http.send(request.build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(status, response.statusCode(), label + ": " + response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("")
        .startsWith("application/json"), label);
    JsonObject error = json(response).getAsJsonObject("error");
    assertEquals(code, error.get("code").getAsString(), label);
    String message = error.get("message").getAsString();
    assertFalse(message.isBlank(), label);
    assertFalse(message.contains("Exception") || message.contains("at dev."), message);
  }
}
