package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Large files in parts, over real HTTP against S3Proxy: signed parts, resume from what the store
 * holds, a complete that names the missing parts, abort, and a byte-exact download.
 */
class MultipartIT {
  private static final String BUCKET = "multipart";
  private static final int MIB = 1 << 20;
  /** Three parts of 5 MiB, 5 MiB and the rest. */
  private static final byte[] FILE = randomBytes(12 * MIB + 12_345, 7);

  private static LocalS3 store;
  private static AppUnderTest app;
  private static S3Client s3;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    app = AppUnderTest.start(store, BUCKET, "multipart-threshold", "5MiB", "part-size", "5MiB",
        "max-file-size", "1TiB");
    s3 = store.client();
  }

  @AfterAll
  static void stop() throws Exception {
    s3.close();
    app.close();
    store.close();
  }

  @Test
  void partsResumeCompleteAndDownloadByteExact() throws Exception {
    JsonObject presign = app.presign("big video.mp4", "video/mp4", FILE.length);
    String id = presign.get("id").getAsString();
    assertNull(presign.get("url"), "a multipart presign has no URL of its own");
    JsonObject plan = presign.getAsJsonObject("multipart");
    assertEquals(5 * MIB, plan.get("partSize").getAsLong());
    assertEquals(3, plan.get("partCount").getAsInt());
    assertEquals(0, storedParts(id).size());

    // Parts 1 and 3 arrive; then the client "reloads" and asks what the store holds.
    for (JsonObject part : signParts(id, 1, 3)) {
      assertEquals(200, app.putAsBrowser(part, part(part.get("partNumber").getAsInt())).statusCode());
    }
    JsonArray stored = storedParts(id);
    assertEquals(List.of(1, 3), numbers(stored));
    JsonObject resume = json(app.get("api/uploads/" + id + "/parts"));
    assertEquals(5 * MIB, resume.get("partSize").getAsLong(), "the plan, for a client resuming");
    assertEquals(3, resume.get("partCount").getAsInt());
    assertEquals(5 * MIB, stored.get(0).getAsJsonObject().get("size").getAsLong());
    assertEquals(2 * MIB + 12_345, stored.get(1).getAsJsonObject().get("size").getAsLong());

    HttpResponse<String> early = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(409, early.statusCode(), early.body());
    JsonObject error = json(early).getAsJsonObject("error");
    assertEquals("NOT_UPLOADED", error.get("code").getAsString());
    assertTrue(error.get("message").getAsString().contains("1 of 3 parts are not in storage yet (2)"),
        error.get("message").getAsString());
    assertTrue(app.pendingIds().contains(id), "still resumable after the 409");

    JsonObject part2 = signParts(id, 2).get(0);
    assertEquals(200, app.putAsBrowser(part2, part(2)).statusCode());
    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), complete.body());
    assertEquals(FILE.length, json(complete).get("size").getAsLong());
    assertEquals("video/mp4", json(complete).get("contentType").getAsString());
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode(),
        "complete stays idempotent");
    assertFalse(app.pendingIds().contains(id));

    assertArrayEquals(FILE, app.download(id));
    assertTrue(openUploads().isEmpty(), "no multipart upload left open");
  }

  @Test
  void corruptedPartIsRefusedByTheStore() throws Exception {
    String id = app.presign("flipped.zip", "application/zip", FILE.length).get("id").getAsString();
    JsonObject part = signParts(id, 3).get(0);
    byte[] flipped = part(3);
    flipped[1000] ^= 1;
    HttpResponse<String> put = app.putAsBrowser(part, flipped);
    assertEquals(400, put.statusCode(), put.body());
    assertEquals(0, storedParts(id).size());
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
  }

  @Test
  void partShorterThanSignedIsRefusedByTheStore() throws Exception {
    String id = app.presign("short.zip", "application/zip", FILE.length).get("id").getAsString();
    JsonObject part = signParts(id, 3).get(0);
    assertEquals(403, app.putAsBrowser(part, Arrays.copyOf(part(3), 10)).statusCode());
    assertEquals(0, storedParts(id).size());
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
  }

  @Test
  void deleteAbortsAndFreesTheParts() throws Exception {
    JsonObject presign = app.presign("cancelled.zip", "application/zip", FILE.length);
    String id = presign.get("id").getAsString();
    JsonObject part = signParts(id, 1).get(0);
    assertEquals(200, app.putAsBrowser(part, part(1)).statusCode());
    assertTrue(openUploads().contains(presign.get("key").getAsString()));

    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
    assertFalse(openUploads().contains(presign.get("key").getAsString()));
    assertFalse(app.pendingIds().contains(id));
    assertEquals(404, app.get("api/uploads/" + id + "/parts").statusCode());
    assertEquals(404, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
  }

  @Test
  void badPartRequestsAreClearErrorsThatChangeNothing() throws Exception {
    String id = app.presign("bad.zip", "application/zip", FILE.length).get("id").getAsString();
    String sum = sha256(part(1));
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":4,\"checksumSha256\":\"" + sum + "\"}]}"));
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":0,\"checksumSha256\":\"" + sum + "\"}]}"));
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":1.5,\"checksumSha256\":\"" + sum + "\"}]}"));
    for (String huge : new String[] {"1e99999", "-1e99999", "1e-99999", "9".repeat(1000)}) {
      assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
          "{\"parts\":[{\"partNumber\":" + huge + ",\"checksumSha256\":\"" + sum + "\"}]}"));
    }
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":1,\"checksumSha256\":\"" + sum + "\"},"
            + "{\"partNumber\":1,\"checksumSha256\":\"" + sum + "\"}]}"));
    assertError(400, "INVALID_CHECKSUM", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":1}]}"));
    assertError(400, "INVALID_CHECKSUM", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":1,\"checksumSha256\":\"not base64\"}]}"));
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts", "{\"parts\":[]}"));
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
        "{\"partNumbers\":[1]}"));
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts",
        "{\"parts\":[{\"partNumber\":1,\"checksumSha256\":\"" + sum + "\",\"x\":1}]}"));
    StringBuilder many = new StringBuilder("{\"parts\":[");
    for (int i = 1; i <= 101; i++) {
      many.append(i == 1 ? "" : ",").append("{\"partNumber\":1,\"checksumSha256\":\"")
          .append(sum).append("\"}");
    }
    assertError(400, "INVALID_REQUEST", app.post("api/uploads/" + id + "/parts", many + "]}"));
    assertError(400, "INVALID_CHECKSUM", app.post("api/uploads", "{\"filename\":\"x.zip\","
        + "\"contentType\":\"application/zip\",\"size\":" + FILE.length
        + ",\"checksumSha256\":\"" + sum + "\"}"));
    assertError(405, "METHOD_NOT_ALLOWED", app.delete("api/uploads/" + id + "/parts"));
    assertError(404, "NOT_FOUND", app.post("api/uploads/AAAAAAAAAAAAAAAAAAAAAA/parts",
        "{\"parts\":[{\"partNumber\":1,\"checksumSha256\":\"" + sum + "\"}]}"));

    String single = app.presign("small.txt", "text/plain", 3).get("id").getAsString();
    assertError(400, "INVALID_REQUEST", app.get("api/uploads/" + single + "/parts"));
    assertEquals(0, storedParts(id).size());
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
    assertEquals(204, app.delete("api/uploads/" + single).statusCode());
  }

  @Test
  void partsOfACompletedUploadAre409() throws Exception {
    byte[] small = Arrays.copyOf(FILE, 5 * MIB + 1);
    String id = app.presign("two.zip", "application/zip", small.length).get("id").getAsString();
    List<JsonObject> parts = signParts(id, small, 1, 2);
    assertEquals(200, app.putAsBrowser(parts.get(0), Arrays.copyOfRange(small, 0, 5 * MIB))
        .statusCode());
    assertEquals(200, app.putAsBrowser(parts.get(1), Arrays.copyOfRange(small, 5 * MIB,
        small.length)).statusCode());
    assertEquals(200, app.post("api/uploads/" + id + "/complete", "{}").statusCode());
    assertError(409, "ALREADY_COMPLETED", app.get("api/uploads/" + id + "/parts"));
    assertEquals(204, app.delete("api/uploads/" + id).statusCode());
  }

  // ---- helpers

  private static void assertError(int status, String code, HttpResponse<String> response) {
    assertEquals(status, response.statusCode(), response.body());
    assertEquals(code, json(response).getAsJsonObject("error").get("code").getAsString(),
        response.body());
  }

  private static byte[] part(int n) {
    return Arrays.copyOfRange(FILE, (n - 1) * 5 * MIB, Math.min(n * 5 * MIB, FILE.length));
  }

  private static List<JsonObject> signParts(String id, int... numbers) throws Exception {
    return signParts(id, FILE, numbers);
  }

  private static List<JsonObject> signParts(String id, byte[] file, int... numbers)
      throws Exception {
    StringBuilder body = new StringBuilder("{\"parts\":[");
    for (int i = 0; i < numbers.length; i++) {
      int n = numbers[i];
      byte[] bytes = Arrays.copyOfRange(file, (n - 1) * 5 * MIB, Math.min(n * 5 * MIB, file.length));
      body.append(i == 0 ? "" : ",").append("{\"partNumber\":").append(n)
          .append(",\"checksumSha256\":\"").append(sha256(bytes)).append("\"}");
    }
    HttpResponse<String> signed = app.post("api/uploads/" + id + "/parts", body + "]}");
    assertEquals(200, signed.statusCode(), signed.body());
    List<JsonObject> parts = new ArrayList<>();
    json(signed).getAsJsonArray("parts").forEach(p -> parts.add(p.getAsJsonObject()));
    return parts;
  }

  private static JsonArray storedParts(String id) throws Exception {
    HttpResponse<String> list = app.get("api/uploads/" + id + "/parts");
    assertEquals(200, list.statusCode(), list.body());
    return json(list).getAsJsonArray("parts");
  }

  private static List<Integer> numbers(JsonArray parts) {
    List<Integer> numbers = new ArrayList<>();
    parts.forEach(p -> numbers.add(p.getAsJsonObject().get("partNumber").getAsInt()));
    return numbers;
  }

  private static List<String> openUploads() {
    return s3.listMultipartUploads(r -> r.bucket(BUCKET)).uploads().stream()
        .map(u -> u.key()).toList();
  }

  static String sha256(byte[] bytes) throws Exception {
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(bytes));
  }

  static byte[] randomBytes(int size, long seed) {
    byte[] bytes = new byte[size];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }
}
