package dev.directupload.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.testing.MutableClock;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * A POST form is signed as S3 verifies it (AWS's own published example is reproduced to the
 * byte), and its policy has an exact condition for every field the form sends, so a form that
 * differs from the signed one in any field is not covered by the signature.
 */
class PostPolicySignerTest {
  private static final URI BASE = URI.create("http://127.0.0.1:9/bucket/");
  /** The instant of AWS's example: its credential scope date and x-amz-date. */
  private static final Instant EXAMPLE_DATE = Instant.parse("2015-12-29T00:00:00Z");
  private static final AwsCredentials EXAMPLE_CREDENTIALS = AwsBasicCredentials.create(
      "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  /**
   * The base64 policy of "Example: Browser-Based Upload using HTTP POST (Using AWS Signature
   * Version 4)" in the Amazon S3 API reference (sigv4-post-example), CRLF line ends and all.
   */
  private static final String EXAMPLE_POLICY = "eyAiZXhwaXJhdGlvbiI6ICIyMDE1LTEyLTMwVDEyOjAwOjAwLj"
      + "AwMFoiLA0KICAiY29uZGl0aW9ucyI6IFsNCiAgICB7ImJ1Y2tldCI6ICJzaWd2NGV4YW1wbGVidWNrZXQifSwNCi"
      + "AgICBbInN0YXJ0cy13aXRoIiwgIiRrZXkiLCAidXNlci91c2VyMS8iXSwNCiAgICB7ImFjbCI6ICJwdWJsaWMtcm"
      + "VhZCJ9LA0KICAgIHsic3VjY2Vzc19hY3Rpb25fcmVkaXJlY3QiOiAiaHR0cDovL3NpZ3Y0ZXhhbXBsZWJ1Y2tldC"
      + "5zMy5hbWF6b25hd3MuY29tL3N1Y2Nlc3NmdWxfdXBsb2FkLmh0bWwifSwNCiAgICBbInN0YXJ0cy13aXRoIiwgIi"
      + "RDb250ZW50LVR5cGUiLCAiaW1hZ2UvIl0sDQogICAgeyJ4LWFtei1tZXRhLXV1aWQiOiAiMTQzNjUxMjM2NTEyNz"
      + "QifSwNCiAgICB7IngtYW16LXNlcnZlci1zaWRlLWVuY3J5cHRpb24iOiAiQUVTMjU2In0sDQogICAgWyJzdGFydH"
      + "Mtd2l0aCIsICIkeC1hbXotbWV0YS10YWciLCAiIl0sDQoNCiAgICB7IngtYW16LWNyZWRlbnRpYWwiOiAiQUtJQU"
      + "lPU0ZPRE5ON0VYQU1QTEUvMjAxNTEyMjkvdXMtZWFzdC0xL3MzL2F3czRfcmVxdWVzdCJ9LA0KICAgIHsieC1hbX"
      + "otYWxnb3JpdGhtIjogIkFXUzQtSE1BQy1TSEEyNTYifSwNCiAgICB7IngtYW16LWRhdGUiOiAiMjAxNTEyMjlUMD"
      + "AwMDAwWiIgfQ0KICBdDQp9";
  /** The signature the same page gives for that policy and those credentials. */
  private static final String EXAMPLE_SIGNATURE =
      "8afdbf4008c03f22c2cd3cdb72e4afbb1f6a588f3255ac628749a66d7f09699e";

  private static PostPolicySigner signer(AwsCredentials credentials, Instant at) {
    return new PostPolicySigner(BASE, "bucket", "us-east-1",
        StaticCredentialsProvider.create(credentials), new MutableClock(at));
  }

  private static PostSpec spec(Map<String, String> metadata, Optional<String> checksum,
      boolean publicRead) {
    return new PostSpec("uploads/a b.txt", "text/plain", metadata, 1, 100, checksum, publicRead,
        Duration.ofMinutes(15), Optional.empty());
  }

  private static String policyOf(PresignedPost post) {
    return new String(Base64.getDecoder().decode(post.fields().get("policy")),
        StandardCharsets.UTF_8);
  }

  @Test
  void signsAwsPublishedPolicyExample() {
    assertTrue(new String(Base64.getDecoder().decode(EXAMPLE_POLICY), StandardCharsets.UTF_8)
        .startsWith("{ \"expiration\": \"2015-12-30T12:00:00.000Z\",\r\n"));
    assertEquals(EXAMPLE_SIGNATURE,
        signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE).signature(EXAMPLE_POLICY));
  }

  @Test
  void formSignsThePolicyItSendsWithTheScopeAndDateOfTheClock() {
    PresignedPost post = signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE)
        .presignPost(spec(Map.of(), Optional.empty(), false));
    assertEquals("AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request",
        post.fields().get("x-amz-credential"));
    assertEquals("20151229T000000Z", post.fields().get("x-amz-date"));
    assertEquals("AWS4-HMAC-SHA256", post.fields().get("x-amz-algorithm"));
    assertEquals(signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE).signature(post.fields().get("policy")),
        post.fields().get("x-amz-signature"));
  }

  @Test
  void policyBindsBucketKeyTypeMetadataSizeRangeAndExpiry() {
    PresignedPost post = signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE)
        .presignPost(spec(Map.of("upload-id", "u1", "Owner", "alice"), Optional.empty(), false));
    assertEquals("{\"expiration\":\"2015-12-29T00:15:00.000Z\",\"conditions\":["
        + "{\"bucket\":\"bucket\"},"
        + "{\"key\":\"uploads/a b.txt\"},"
        + "{\"Content-Type\":\"text/plain\"},"
        + "{\"x-amz-meta-owner\":\"alice\"},"
        + "{\"x-amz-meta-upload-id\":\"u1\"},"
        + "{\"x-amz-algorithm\":\"AWS4-HMAC-SHA256\"},"
        + "{\"x-amz-credential\":\"AKIAIOSFODNN7EXAMPLE/20151229/us-east-1/s3/aws4_request\"},"
        + "{\"x-amz-date\":\"20151229T000000Z\"},"
        + "[\"content-length-range\",1,100]]}", policyOf(post));
    assertEquals(Instant.parse("2015-12-29T00:15:00Z"), post.expiresAt());
  }

  @Test
  void everyFieldButPolicyAndSignatureHasAnExactCondition() {
    PresignedPost post = signer(AwsSessionCredentials.create("ASIA1", "secret", "token/1"),
        EXAMPLE_DATE).presignPost(spec(Map.of("upload-id", "u1"), Optional.of("abc="), true));
    JsonArray conditions = JsonParser.parseString(policyOf(post)).getAsJsonObject()
        .getAsJsonArray("conditions");
    post.fields().forEach((name, value) -> {
      if (!name.equals("policy") && !name.equals("x-amz-signature")) {
        assertTrue(hasExactCondition(conditions, name, value), name + " in " + conditions);
      }
    });
  }

  private static boolean hasExactCondition(JsonArray conditions, String name, String value) {
    for (JsonElement condition : conditions) {
      if (condition.isJsonObject()) {
        JsonObject object = condition.getAsJsonObject();
        if (object.has(name) && object.get(name).getAsString().equals(value)) {
          return true;
        }
      }
    }
    return false;
  }

  @Test
  void fieldsComeInFormOrderEndingWithPolicyAndSignatureWithoutTheFile() {
    PresignedPost post = signer(AwsSessionCredentials.create("ASIA1", "secret", "token-1"),
        EXAMPLE_DATE).presignPost(spec(Map.of("upload-id", "u1"), Optional.of("abc="), true));
    assertEquals(List.of("key", "Content-Type", "acl", "x-amz-meta-upload-id",
        "x-amz-checksum-sha256", "x-amz-algorithm", "x-amz-credential", "x-amz-date",
        "x-amz-security-token", "policy", "x-amz-signature"),
        List.copyOf(post.fields().keySet()));
    assertEquals("public-read", post.fields().get("acl"));
    assertEquals("abc=", post.fields().get("x-amz-checksum-sha256"));
    assertEquals("token-1", post.fields().get("x-amz-security-token"));
  }

  @Test
  void staticCredentialsSendNoSecurityTokenAndPrivateObjectsNoAcl() {
    PresignedPost post = signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE)
        .presignPost(spec(Map.of(), Optional.empty(), false));
    assertFalse(post.fields().containsKey("x-amz-security-token"), post.fields().toString());
    assertFalse(post.fields().containsKey("acl"), post.fields().toString());
    assertFalse(policyOf(post).contains("security-token"), policyOf(post));
  }

  @Test
  void quotesBackslashesAndControlCharactersKeepThePolicyValidJson() {
    String name = "a \"quoted\" \\ name\t.txt";
    PresignedPost post = signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE)
        .presignPost(spec(Map.of("filename", name), Optional.empty(), false));
    JsonArray conditions = JsonParser.parseString(policyOf(post)).getAsJsonObject()
        .getAsJsonArray("conditions");
    assertTrue(hasExactCondition(conditions, "x-amz-meta-filename", name), conditions.toString());
  }

  @Test
  void formIsPostedToTheBucketUrl() {
    assertEquals(BASE.toString(), signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE)
        .presignPost(spec(Map.of(), Optional.empty(), false)).url());
  }

  @Test
  void refusesAnExpiryBeyondSevenDays() {
    PostSpec tooLong = new PostSpec("k", "text/plain", Map.of(), 0, 1, Optional.empty(), false,
        Duration.ofDays(7).plusSeconds(1), Optional.empty());
    assertThrows(IllegalArgumentException.class,
        () -> signer(EXAMPLE_CREDENTIALS, EXAMPLE_DATE).presignPost(tooLong));
  }

  @Test
  void refusesAKeyThatTheStoreWouldRewriteWithTheBrowsersFileName() {
    assertThrows(IllegalArgumentException.class, () -> new PostSpec("uploads/${filename}",
        "text/plain", Map.of(), 0, 1, Optional.empty(), false, Duration.ofMinutes(1),
        Optional.empty()));
  }

  @Test
  void refusesASizeRangeThatEndsBeforeItStarts() {
    assertThrows(IllegalArgumentException.class, () -> new PostSpec("k", "text/plain", Map.of(),
        10, 9, Optional.empty(), false, Duration.ofMinutes(1), Optional.empty()));
  }
}
