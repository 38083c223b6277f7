package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import dev.directupload.storage.PostPolicySigner;
import dev.directupload.storage.PostSpec;
import dev.directupload.storage.PresignedPost;
import dev.directupload.testing.MutableClock;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;

/**
 * A browser form signed by {@link PostPolicySigner} stores exactly the object it was signed for,
 * and the store refuses, storing nothing, a form that differs from it: another key, another type,
 * an extra metadata field, a policy changed after signing, a file outside the size range or not
 * matching the signed checksum, or a policy past its expiry.
 *
 * <p>Not tested here because S3Proxy 4.1.0 does not do it (see the S3Proxy findings): a
 * public-read form ({@code acl=public-read} is accepted but the object stays private there, while
 * S3 applies it), and refusing a POST to a key that already exists (a form cannot carry
 * If-None-Match; S3 and S3Proxy both overwrite).
 */
class PostPolicyS3ProxyIT {
  private static final String BUCKET = "post-bucket";
  private static final byte[] BODY = "a small file sent as a browser form\n"
      .getBytes(StandardCharsets.UTF_8);
  private static LocalS3 s3;
  private static S3Client client;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    s3 = LocalS3.inMemory(false).withBucket(BUCKET);
    client = s3.client();
  }

  @AfterAll
  static void stop() {
    client.close();
    s3.close();
  }

  private static PostPolicySigner signer(Clock clock) {
    return new PostPolicySigner(URI.create(s3.endpoint() + "/" + BUCKET + "/"), BUCKET,
        LocalS3.REGION, StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY)), clock);
  }

  private static PresignedPost sign(String key, Optional<String> checksum) {
    return signer(Clock.systemUTC()).presignPost(new PostSpec(key, "text/plain",
        Map.of("upload-id", "u1", "filename", "notes.txt"), 1, 100, checksum, false,
        Duration.ofMinutes(5), Optional.empty()));
  }

  /** The signed fields with {@code name} set to {@code value} (added before the policy if new). */
  private static Map<String, String> with(PresignedPost post, String name, String value) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (!post.fields().containsKey(name)) {
      fields.put(name, value);
    }
    post.fields().forEach((field, signed) -> fields.put(field, field.equals(name) ? value : signed));
    return fields;
  }

  private HttpResponse<String> post(String url, Map<String, String> fields, byte[] file)
      throws Exception {
    return new ApiClient("unused/", http).postForm(url, fields, file);
  }

  private static boolean exists(String key) {
    try {
      client.headObject(r -> r.bucket(BUCKET).key(key));
      return true;
    } catch (NoSuchKeyException e) {
      return false;
    }
  }

  @Test
  void storesTheFileWithTheSignedTypeAndMetadata() throws Exception {
    String key = "uploads/anonymous/2026/12/01/stored/ünï cødé (1).txt";
    PresignedPost form = sign(key, Optional.empty());
    HttpResponse<String> answer = post(form.url(), form.fields(), BODY);
    assertEquals(204, answer.statusCode(), answer.body());

    HeadObjectResponse head = client.headObject(r -> r.bucket(BUCKET).key(key));
    assertEquals("text/plain", head.contentType());
    assertEquals(Map.of("upload-id", "u1", "filename", "notes.txt"), head.metadata());
    assertEquals(BODY.length, head.contentLength());
    assertEquals(new String(BODY, StandardCharsets.UTF_8),
        client.getObjectAsBytes(r -> r.bucket(BUCKET).key(key)).asUtf8String());
  }

  @Test
  void refusesTheFormForAnotherKey() throws Exception {
    PresignedPost form = sign("uploads/signed-key.txt", Optional.empty());
    HttpResponse<String> answer = post(form.url(),
        with(form, "key", "uploads/chosen-by-the-browser.txt"), BODY);
    assertEquals(403, answer.statusCode(), answer.body());
    assertFalse(exists("uploads/chosen-by-the-browser.txt"));
    assertFalse(exists("uploads/signed-key.txt"));
  }

  @Test
  void refusesAnotherContentType() throws Exception {
    PresignedPost form = sign("uploads/other-type.txt", Optional.empty());
    HttpResponse<String> answer = post(form.url(), with(form, "Content-Type", "text/html"), BODY);
    assertEquals(403, answer.statusCode(), answer.body());
    assertFalse(exists("uploads/other-type.txt"));
  }

  @Test
  void refusesMetadataTheFormWasNotSignedFor() throws Exception {
    PresignedPost form = sign("uploads/extra-meta.txt", Optional.empty());
    HttpResponse<String> answer = post(form.url(), with(form, "x-amz-meta-owner", "mallory"),
        BODY);
    assertEquals(403, answer.statusCode(), answer.body());
    assertFalse(exists("uploads/extra-meta.txt"));
  }

  @Test
  void refusesAPolicyChangedAfterSigning() throws Exception {
    PresignedPost form = sign("uploads/tampered.txt", Optional.empty());
    String signed = new String(Base64.getDecoder().decode(form.fields().get("policy")),
        StandardCharsets.UTF_8);
    String widened = signed.replace("[\"content-length-range\",1,100]",
        "[\"content-length-range\",1,100000]");
    assertNotEquals(signed, widened);
    HttpResponse<String> answer = post(form.url(), with(form, "policy",
        Base64.getEncoder().encodeToString(widened.getBytes(StandardCharsets.UTF_8))),
        new byte[1000]);
    assertEquals(403, answer.statusCode(), answer.body());
    assertFalse(exists("uploads/tampered.txt"));
  }

  @Test
  void refusesAFileLargerThanTheSignedMaximum() throws Exception {
    PresignedPost form = sign("uploads/too-large.txt", Optional.empty());
    HttpResponse<String> answer = post(form.url(), form.fields(), new byte[101]);
    assertEquals(400, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("EntityTooLarge"), answer.body());
    assertFalse(exists("uploads/too-large.txt"));
  }

  @Test
  void refusesAnEmptyFileWhenTheMinimumIsOneByte() throws Exception {
    PresignedPost form = sign("uploads/empty.txt", Optional.empty());
    HttpResponse<String> answer = post(form.url(), form.fields(), new byte[0]);
    assertEquals(400, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("EntityTooSmall"), answer.body());
    assertFalse(exists("uploads/empty.txt"));
  }

  @Test
  void refusesAFormWhosePolicyHasExpired() throws Exception {
    // Signed 6 minutes ago for 5 minutes: expired a minute ago.
    PresignedPost form = signer(new MutableClock(Instant.now().minus(Duration.ofMinutes(6))))
        .presignPost(new PostSpec("uploads/expired.txt", "text/plain", Map.of(), 1, 100,
            Optional.empty(), false, Duration.ofMinutes(5), Optional.empty()));
    HttpResponse<String> answer = post(form.url(), form.fields(), BODY);
    assertEquals(403, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("Policy expired"), answer.body());
    assertFalse(exists("uploads/expired.txt"));
  }

  @Test
  void storesTheSignedChecksum() throws Exception {
    String checksum = Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(BODY));
    PresignedPost form = sign("uploads/checksummed.txt", Optional.of(checksum));
    HttpResponse<String> answer = post(form.url(), form.fields(), BODY);
    assertEquals(204, answer.statusCode(), answer.body());
    assertEquals(checksum, client.headObject(r -> r.bucket(BUCKET).key("uploads/checksummed.txt")
        .checksumMode(ChecksumMode.ENABLED)).checksumSHA256());
  }

  @Test
  void refusesAFileThatDoesNotMatchTheSignedChecksum() throws Exception {
    String checksum = Base64.getEncoder().encodeToString(
        MessageDigest.getInstance("SHA-256").digest(BODY));
    PresignedPost form = sign("uploads/corrupted.txt", Optional.of(checksum));
    byte[] corrupted = BODY.clone();
    corrupted[0] ^= 1;
    HttpResponse<String> answer = post(form.url(), form.fields(), corrupted);
    assertEquals(400, answer.statusCode(), answer.body());
    assertTrue(answer.body().contains("BadDigest"), answer.body());
    assertFalse(exists("uploads/corrupted.txt"));
  }
}
