package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * What is listed is what was signed, over real HTTP against S3Proxy (which, unlike S3, stores
 * headers nobody signed): an object carrying an unsigned header, a public grant or content that
 * contradicts its type is refused and deleted; a signed URL cannot write a completed file again,
 * nor bring a deleted one back; an object written again behind our back is not served.
 */
class IntegrityIT {
  private static final String BUCKET = "integrity";
  private static LocalS3 store;
  private static AppUnderTest app;
  /** The same bucket, with conditional writes off: what a store without them lets through. */
  private static AppUnderTest lenient;
  private static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET);
    lenient = AppUnderTest.start(store, BUCKET, "write-once", "false", "index-refresh", "PT0S");
    s3 = store.client();
  }

  @AfterAll
  static void stop() {
    s3.close();
    lenient.close();
    app.close();
    store.close();
  }

  private static boolean inBucket(String key) {
    try {
      s3.headObject(r -> r.bucket(BUCKET).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    }
  }

  /** PUTs to the presigned URL with the signed headers and one more that was not signed. */
  private static HttpResponse<String> putWithExtra(ApiClient client, JsonObject presign,
      byte[] body, String name, String value) throws Exception {
    HttpRequest.Builder put = HttpRequest.newBuilder(URI.create(presign.get("url").getAsString()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    presign.getAsJsonObject("headers").entrySet()
        .forEach(h -> put.header(h.getKey(), h.getValue().getAsString()));
    put.header(name, value);
    return client.http.send(put.build(), HttpResponse.BodyHandlers.ofString());
  }

  static Stream<Arguments> unsignedHeaders() {
    return Stream.of(
        Arguments.of("Content-Encoding", "gzip"),
        Arguments.of("Cache-Control", "public, max-age=31536000"),
        Arguments.of("Content-Disposition", "inline"),
        Arguments.of("x-amz-meta-extra", "1"),
        Arguments.of("x-amz-storage-class", "REDUCED_REDUNDANCY"),
        Arguments.of("x-amz-acl", "public-read"));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("unsignedHeaders")
  void anObjectStoredWithAnUnsignedHeaderIsRefusedAndDeleted(String name, String value)
      throws Exception {
    byte[] body = bytes("plain text, nothing else");
    JsonObject presign = app.presign("notes.txt", "text/plain", body.length);
    String id = presign.get("id").getAsString();
    HttpResponse<String> put = putWithExtra(app, presign, body, name, value);
    assertEquals(200, put.statusCode(), "S3Proxy stores it: " + put.body());

    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(422, complete.statusCode(), complete.body());
    assertEquals("OBJECT_MISMATCH",
        json(complete).getAsJsonObject("error").get("code").getAsString());
    assertFalse(inBucket(presign.get("key").getAsString()));
    assertFalse(app.listedIds().contains(id));
  }

  @Test
  void contentThatIsNotWhatItsTypeSaysIsRefusedAndDeleted() throws Exception {
    byte[] html = bytes("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>");
    JsonObject presign = app.presign("cat.png", "image/png", html.length);
    assertEquals(200, app.putAsBrowser(presign, html).statusCode());
    HttpResponse<String> complete =
        app.post("api/uploads/" + presign.get("id").getAsString() + "/complete", "{}");
    assertEquals(422, complete.statusCode(), complete.body());
    assertEquals("TYPE_MISMATCH",
        json(complete).getAsJsonObject("error").get("code").getAsString());
    assertTrue(complete.body().contains("text/html"), complete.body());
    assertFalse(inBucket(presign.get("key").getAsString()));
  }

  @Test
  void aSignedUrlCannotWriteACompletedFileAgain() throws Exception {
    byte[] original = bytes("version one");
    JsonObject presign = app.presign("v.txt", "text/plain", original.length);
    String id = presign.get("id").getAsString();
    assertEquals("*", presign.getAsJsonObject("headers").get("if-none-match").getAsString());
    assertEquals(200, app.putAsBrowser(presign, original).statusCode());
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());

    HttpResponse<String> again = app.putAsBrowser(presign, bytes("VERSION TWO"));
    assertEquals(412, again.statusCode(), "S3Proxy honours If-None-Match: " + again.body());
    assertArrayEquals(original, app.download(id));
  }

  @Test
  void aDeletedFileStaysDeletedWhenItsUrlIsUsedAgain() throws Exception {
    byte[] body = bytes("delete me");
    JsonObject presign = app.presign("gone.txt", "text/plain", body.length);
    String id = presign.get("id").getAsString();
    assertEquals(200, app.putAsBrowser(presign, body).statusCode());
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());

    assertEquals(200, app.putAsBrowser(presign, body).statusCode(), "the key is free again");
    assertEquals(404, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertEquals(404, app.get("api/files/" + id + "/download").statusCode());
    assertFalse(app.listedIds().contains(id));
    // Another instance over the bucket, never told of the upload, does not adopt it either.
    assertEquals(404, lenient.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertFalse(lenient.listedIds().contains(id));
  }

  @Test
  void anObjectWrittenAgainAfterItWasVerifiedIsNotServedAsTheFile() throws Exception {
    byte[] original = bytes("the checked bytes");
    JsonObject presign = lenient.presign("w.txt", "text/plain", original.length);
    String id = presign.get("id").getAsString();
    assertFalse(presign.getAsJsonObject("headers").has("if-none-match"));
    assertEquals(200, lenient.putAsBrowser(presign, original).statusCode());
    assertEquals(200, lenient.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertEquals(200, lenient.putAsBrowser(presign, bytes("THE SWAPPED BYTES")).statusCode());

    HttpResponse<String> download = lenient.get("api/files/" + id + "/download");
    assertEquals(409, download.statusCode(), download.body());
    assertEquals("OBJECT_CHANGED",
        json(download).getAsJsonObject("error").get("code").getAsString());
    assertFalse(lenient.listedIds().contains(id));
    assertFalse(inBucket(presign.get("key").getAsString()));
  }
}
