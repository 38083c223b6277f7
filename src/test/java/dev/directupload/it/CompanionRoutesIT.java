package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.local.LocalS3;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Companion's S3 routes over real HTTP against S3Proxy, spoken as Uppy's S3 plugin speaks them
 * (the browser tests run real Uppy): a small file as a signed POST form that the app notices by
 * itself, a large one in parts the client cuts, and errors as {@code {message}}.
 */
class CompanionRoutesIT {
  private static final String BUCKET = "companion";
  private static final String PAGE = "http://uppy.example";
  private static LocalS3 store;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET, "max-file-size", "20MiB",
        "allowed-origins", PAGE);
  }

  @AfterAll
  static void stop() {
    app.close();
    store.close();
  }

  private static String query(Map<String, String> params) {
    StringBuilder q = new StringBuilder();
    params.forEach((name, value) -> q.append(q.length() == 0 ? "?" : "&")
        .append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
        .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return q.toString();
  }

  private static Map<String, String> fields(JsonObject form) {
    Map<String, String> fields = new LinkedHashMap<>();
    form.getAsJsonObject("fields").entrySet()
        .forEach(f -> fields.put(f.getKey(), f.getValue().getAsString()));
    return fields;
  }

  /** Waits for {@code name} in {@code api/files}, as a user waits for the list to show it. */
  private static JsonObject awaitListed(String name) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      for (JsonElement f : json(app.get("api/files?limit=1000")).getAsJsonArray("files")) {
        if (f.getAsJsonObject().get("name").getAsString().equals(name)) {
          return f.getAsJsonObject();
        }
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " was not listed within 10 s of its upload's end");
      }
      LockSupport.parkNanos(100_000_000L);
    }
  }

  private static boolean listed(String name) throws Exception {
    for (JsonElement f : json(app.get("api/files?limit=1000")).getAsJsonArray("files")) {
      if (f.getAsJsonObject().get("name").getAsString().equals(name)) {
        return true;
      }
    }
    return false;
  }

  @Test
  void aSmallFileGoesAsASignedFormAndIsListedWithinTenSecondsWithoutAComplete()
      throws Exception {
    byte[] body = "Uppy never calls complete for this one.".getBytes(StandardCharsets.UTF_8);
    HttpResponse<String> params = app.get("s3/params" + query(Map.of("filename", "uppy notes.txt",
        "type", "text/plain", "metadata[name]", "uppy notes.txt", "metadata[caption]", "hi")));
    assertEquals(200, params.statusCode(), params.body());
    JsonObject form = json(params);
    assertEquals("POST", form.get("method").getAsString());
    assertTrue(form.get("url").getAsString().endsWith("/"), "Uppy 6 appends the key");
    assertTrue(form.get("expires").getAsLong() > 0);
    Map<String, String> fields = fields(form);
    assertTrue(fields.get("key").endsWith("/uppy_notes.txt"), fields.get("key"));
    assertEquals("hi", fields.get("x-amz-meta-caption"));

    HttpResponse<String> posted = app.postForm(form.get("url").getAsString(), fields, body);
    assertTrue(posted.statusCode() / 100 == 2, posted.statusCode() + " " + posted.body());
    JsonObject file = awaitListed("uppy notes.txt");
    assertEquals(body.length, file.get("size").getAsLong());
    assertArrayEquals(body, app.download(file.get("id").getAsString()));
  }

  @Test
  void aFormRefusesAFileLargerThanAllowed() throws Exception {
    JsonObject form = json(app.get("s3/params" + query(Map.of("filename", "big.txt",
        "type", "text/plain"))));
    byte[] big = new byte[20 * 1024 * 1024 + 1];
    HttpResponse<String> posted = app.postForm(form.get("url").getAsString(), fields(form), big);
    assertEquals(400, posted.statusCode(), "the store enforces content-length-range");
    assertTrue(posted.body().contains("EntityTooLarge"), posted.body());
  }

  @Test
  void aLargeFileGoesInPartsTheClientCutsAndNamesWithUnquotedEtags() throws Exception {
    HttpResponse<String> created = app.post("s3/multipart",
        "{\"filename\":\"film.mp4\",\"type\":\"video/mp4\",\"metadata\":{\"relativePath\":null}}");
    assertEquals(200, created.statusCode(), created.body());
    JsonObject upload = json(created);
    String id = upload.get("uploadId").getAsString();
    String key = upload.get("key").getAsString();
    assertEquals(BUCKET, upload.get("bucket").getAsString());
    String keyQuery = query(Map.of("key", key));
    HttpResponse<String> none = app.get("s3/multipart/" + id + keyQuery);
    assertEquals("[]", none.body(), "nothing stored, nothing started");

    byte[] film = new byte[5 * 1024 * 1024 + 1234];
    new Random(7).nextBytes(film);
    int cut = 5 * 1024 * 1024;
    String etag1 = putPart(id, 1, keyQuery, java.util.Arrays.copyOfRange(film, 0, cut));
    // Part 2 through the batch route, which Companion also answers.
    JsonObject batch = json(app.get("s3/multipart/" + id + "/batch" + keyQuery
        + "&partNumbers=2"));
    String url2 = batch.getAsJsonObject("presignedUrls").get("2").getAsString();
    String etag2 = put(url2, java.util.Arrays.copyOfRange(film, cut, film.length));

    JsonArray stored = JsonParser.parseString(app.get("s3/multipart/" + id + keyQuery).body())
        .getAsJsonArray();
    assertEquals(2, stored.size());
    assertEquals(1, stored.get(0).getAsJsonObject().get("PartNumber").getAsInt());
    assertEquals(cut, stored.get(0).getAsJsonObject().get("Size").getAsLong());

    // Uppy 6 strips the quotes, Uppy 5 keeps them.
    String parts = "{\"parts\":[{\"PartNumber\":1,\"ETag\":" + quoted(etag1.replace("\"", ""))
        + "},{\"PartNumber\":2,\"ETag\":" + quoted(etag2) + "}]}";
    HttpResponse<String> done = app.post("s3/multipart/" + id + "/complete" + keyQuery, parts);
    assertEquals(200, done.statusCode(), done.body());
    JsonObject answer = json(done);
    assertEquals(key, answer.get("key").getAsString());
    assertTrue(answer.get("location").getAsString().contains(BUCKET));
    assertTrue(listed("film.mp4"), "a multipart upload is listed when it completes");
    assertArrayEquals(film, app.download(id));
  }

  private static String quoted(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private static String putPart(String id, int n, String keyQuery, byte[] bytes)
      throws Exception {
    HttpResponse<String> signed = app.get("s3/multipart/" + id + "/" + n + keyQuery);
    assertEquals(200, signed.statusCode(), signed.body());
    return put(json(signed).get("url").getAsString(), bytes);
  }

  /** PUTs a part as Uppy does: no header but those the browser sets itself. */
  private static String put(String url, byte[] bytes) throws Exception {
    HttpResponse<String> put = app.http.send(HttpRequest.newBuilder(URI.create(url))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(bytes)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, put.statusCode(), put.body());
    return put.headers().firstValue("ETag").orElseThrow();
  }

  @Test
  void cancellingAbortsTheUploadAndItsPartsAndAnswersJson() throws Exception {
    JsonObject upload = json(app.post("s3/multipart",
        "{\"filename\":\"gone.mp4\",\"type\":\"video/mp4\"}"));
    String id = upload.get("uploadId").getAsString();
    String keyQuery = query(Map.of("key", upload.get("key").getAsString()));
    putPart(id, 1, keyQuery, new byte[100]);
    HttpResponse<String> cancelled = app.delete("s3/multipart/" + id + keyQuery);
    assertEquals(200, cancelled.statusCode(), cancelled.body());
    assertEquals("{}", cancelled.body());
    HttpResponse<String> again = app.get("s3/multipart/" + id + keyQuery);
    assertEquals(404, again.statusCode());
    assertFalse(listed("gone.mp4"));
  }

  @Test
  void errorsAreCompanionsMessageWithOurCode() throws Exception {
    HttpResponse<String> type = app.get("s3/params" + query(Map.of("filename", "tool.exe",
        "type", "application/x-msdownload")));
    assertEquals(400, type.statusCode());
    JsonObject error = json(type);
    assertEquals("TYPE_NOT_ALLOWED", error.get("code").getAsString());
    assertTrue(error.get("message").getAsString().contains("application/x-msdownload"),
        error.toString());

    JsonObject upload = json(app.post("s3/multipart",
        "{\"filename\":\"film.mp4\",\"type\":\"video/mp4\"}"));
    String id = upload.get("uploadId").getAsString();
    HttpResponse<String> noKey = app.get("s3/multipart/" + id + "/1");
    assertEquals(400, noKey.statusCode());
    assertTrue(json(noKey).get("message").getAsString().contains("?key="));
    HttpResponse<String> wrongKey = app.get("s3/multipart/" + id + "/1?key=uploads%2Fx");
    assertEquals(404, wrongKey.statusCode());
    HttpResponse<String> badPart = app.get("s3/multipart/" + id + "/0"
        + query(Map.of("key", upload.get("key").getAsString())));
    assertEquals(400, badPart.statusCode());
    HttpResponse<String> nowhere = app.get("s3/elsewhere");
    assertEquals(404, nowhere.statusCode());
    assertTrue(json(nowhere).has("message"));
  }

  @Test
  void anAllowedPageMayCallTheRoutesAndAnotherMayNot() throws Exception {
    HttpResponse<String> preflight = app.http.send(HttpRequest.newBuilder(
        URI.create(app.base + "s3/multipart"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", PAGE).header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(204, preflight.statusCode());
    assertEquals(PAGE, preflight.headers().firstValue("Access-Control-Allow-Origin")
        .orElseThrow());
    assertEquals("true", preflight.headers().firstValue("Access-Control-Allow-Credentials")
        .orElseThrow());
    assertTrue(preflight.headers().firstValue("Access-Control-Max-Age").isPresent());

    String path = "s3/params" + query(Map.of("filename", "a.txt", "type", "text/plain"));
    HttpResponse<String> allowed = app.http.send(HttpRequest.newBuilder(
        URI.create(app.base + path)).header("Origin", PAGE).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, allowed.statusCode(), allowed.body());
    assertEquals(PAGE, allowed.headers().firstValue("Access-Control-Allow-Origin").orElseThrow());

    int pendingBefore = app.pendingIds().size();
    HttpResponse<String> other = app.http.send(HttpRequest.newBuilder(
        URI.create(app.base + path)).header("Origin", "http://evil.example").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, other.statusCode(), "a sign-by-GET is refused to another site's page");
    assertEquals("FORBIDDEN_ORIGIN", json(other).get("code").getAsString());
    assertTrue(json(other).has("message"), other.body());
    assertFalse(other.headers().firstValue("Access-Control-Allow-Origin").isPresent());
    HttpResponse<String> image = app.http.send(HttpRequest.newBuilder(
        URI.create(app.base + path)).header("Sec-Fetch-Site", "cross-site").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(403, image.statusCode(), "nor to an <img> on another site");
    assertEquals(pendingBefore, app.pendingIds().size());
  }

  @Test
  void formUploadsAreNotOfferedToOurPageForResuming() throws Exception {
    String ours = app.presign("ours.txt", "text/plain", 10).get("id").getAsString();
    JsonObject form = json(app.get("s3/params" + query(Map.of("filename", "q.txt",
        "type", "text/plain"))));
    String uppys = fields(form).get("x-amz-meta-upload-id");
    List<String> pending = app.pendingIds();
    assertTrue(pending.contains(ours));
    assertFalse(pending.contains(uppys), "our page could not resume a file of unknown size");
  }
}
