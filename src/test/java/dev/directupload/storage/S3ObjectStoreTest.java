package dev.directupload.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * Presigning binds everything the browser may not change, and tells the browser exactly which
 * headers to send. Signing is local: no store is contacted here.
 */
class S3ObjectStoreTest {
  private static final String CHECKSUM = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
  private final StaticCredentialsProvider credentials = StaticCredentialsProvider.create(
      AwsBasicCredentials.create("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"));
  private S3ObjectStore store = S3ObjectStore.create(TestSettings.with(), credentials);

  @AfterEach
  void close() {
    store.close();
  }

  private static PutSpec spec(Optional<String> checksum, boolean publicRead) {
    return new PutSpec("uploads/a b.txt", "text/plain", 12, checksum,
        Map.of("upload-id", "x"), publicRead, Duration.ofMinutes(15), Optional.empty(), false);
  }

  @Test
  void signsSizeTypeAndMetadataAndListsTheHeadersToSend() {
    PresignedPut put = store.presignPut(spec(Optional.empty(), false));
    String url = put.url().toString();
    assertTrue(url.startsWith("http://127.0.0.1:9/test-bucket/uploads/a%20b.txt?"), url);
    assertTrue(url.contains("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost%3B"
        + "x-amz-meta-upload-id"), url);
    assertEquals(Map.of("content-type", "text/plain", "x-amz-meta-upload-id", "x"),
        put.headers());
  }

  @Test
  void checksumIsSignedAndMustBeSent() {
    PresignedPut put = store.presignPut(spec(Optional.of(CHECKSUM), false));
    assertEquals(CHECKSUM, put.headers().get("x-amz-checksum-sha256"));
    assertTrue(put.url().toString().contains("x-amz-checksum-sha256"), put.url().toString());
  }

  @Test
  void publicReadSignsTheCannedAcl() {
    PresignedPut put = store.presignPut(spec(Optional.empty(), true));
    assertEquals("public-read", put.headers().get("x-amz-acl"));
    assertFalse(store.presignPut(spec(Optional.empty(), false)).headers()
        .containsKey("x-amz-acl"));
  }

  @Test
  void expiryIsAWholeSecondWithinTheSignedLifetime() {
    Instant before = Instant.now();
    PresignedPut put = store.presignPut(spec(Optional.empty(), false));
    assertEquals(0, put.expiresAt().getNano());
    assertTrue(!put.expiresAt().isAfter(before.plus(Duration.ofMinutes(15)).plusSeconds(1)));
    assertTrue(put.expiresAt().isAfter(before.plus(Duration.ofMinutes(14))));
    assertTrue(put.url().toString().contains("X-Amz-Expires=900"));
  }

  @Test
  void theGlobalPseudoRegionSignsAsUsEast1LikeTheSdk() {
    store.close();
    store = S3ObjectStore.create(TestSettings.with("region", "aws-global"), credentials);
    String url = store.presignPut(spec(Optional.empty(), false)).url().toString();
    assertTrue(url.contains("%2Fus-east-1%2Fs3%2Faws4_request"), url);
  }

  @Test
  void virtualHostStyleByDefaultPutsTheBucketInTheHost() {
    store.close();
    store = S3ObjectStore.create(TestSettings.with("path-style", "false", "endpoint",
        "https://s3.example.com"), credentials);
    assertTrue(store.presignPut(spec(Optional.empty(), false)).url().toString()
        .startsWith("https://test-bucket.s3.example.com/uploads/"));
  }

  @Test
  void closingLeavesNoSdkThreadBehindSoARedeployLeaksNothing() throws Exception {
    store.close();
    S3ObjectStore other = S3ObjectStore.create(TestSettings.with(), credentials);
    other.close();
    // Wait for each reaper to end (its own termination is the condition), within 10 s in all.
    long deadline = System.nanoTime() + 10_000_000_000L;
    for (Thread reaper : reapers()) {
      long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
      if (leftMillis > 0) {
        reaper.join(leftMillis);
      }
    }
    assertTrue(reapers().isEmpty(), "the HTTP client's idle-connection-reaper outlived close()");
    store = S3ObjectStore.create(TestSettings.with(), credentials);
  }

  private static java.util.List<Thread> reapers() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().contains("idle-connection-reaper"))
        .toList();
  }

  @Test
  void downloadIsSignedWithTheDispositionAsAResponseOverride() {
    String url = store.presignGet("k", "attachment; filename=\"a.txt\"", "text/plain",
        Duration.ofMinutes(5)).toString();
    assertTrue(url.contains("response-content-disposition=attachment%3B%20filename%3D%22a.txt%22"),
        url);
    assertTrue(url.contains("response-content-type=text%2Fplain"), url);
    assertTrue(url.contains("X-Amz-Expires=300"), url);
  }
}
