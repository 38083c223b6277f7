package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.PutSpec;
import dev.directupload.storage.S3ObjectStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An S3-compatible store accepts what our own signer signs: a PUT through the lean URL with
 * exactly the listed headers stores the object (metadata and all), and the lean GET URL reads it
 * back with the download overrides applied.
 */
class LeanPresignS3ProxyIT {
  private static final String BUCKET = "lean-bucket";
  private static LocalS3 s3;
  private static S3ObjectStore store;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    store = s3.objectStore(BUCKET);
  }

  @AfterAll
  static void stop() {
    store.close();
    s3.close();
  }

  @Test
  void storeAcceptsALeanPutAndServesALeanGet() throws Exception {
    byte[] body = "bytes signed by our own signer\n".getBytes(StandardCharsets.UTF_8);
    String checksum = Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(body));
    String key = "uploads/ünï cødé/a+b~c%d=e&f 😀 (1).txt";
    PresignedPut put = store.presignPut(new PutSpec(key, "text/plain; charset=utf-8",
        body.length, Optional.of(checksum), Map.of("upload-id", "abc", "filename", "a%20b.txt"),
        false, Duration.ofMinutes(5), Optional.empty(), true));

    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(put.url()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    put.headers().forEach(request::header);
    HttpResponse<String> stored = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, stored.statusCode(), stored.body());

    assertEquals("abc", store.head(key).orElseThrow().metadata().get("upload-id"));

    URI download = store.presignGet(key, "attachment; filename=\"a b.txt\"", "text/plain",
        Duration.ofMinutes(5));
    HttpResponse<byte[]> read = http.send(HttpRequest.newBuilder(download).GET().build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, read.statusCode(), new String(read.body(), StandardCharsets.UTF_8));
    assertEquals(new String(body, StandardCharsets.UTF_8),
        new String(read.body(), StandardCharsets.UTF_8));
    assertTrue(read.headers().firstValue("content-disposition").orElse("")
        .contains("a b.txt"), read.headers().toString());
  }

  @Test
  void storeRefusesALeanPutWithADifferentSignedHeader() throws Exception {
    byte[] body = "x".getBytes(StandardCharsets.UTF_8);
    PresignedPut put = store.presignPut(new PutSpec("uploads/refused.txt", "text/plain",
        body.length, Optional.empty(), Map.of("upload-id", "abc"), false, Duration.ofMinutes(5),
        Optional.empty(), false));
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(put.url()))
        .PUT(HttpRequest.BodyPublishers.ofByteArray(body));
    put.headers().forEach(request::header);
    request.setHeader("x-amz-meta-upload-id", "changed");
    HttpResponse<String> refused = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(403, refused.statusCode(), refused.body());
  }
}
