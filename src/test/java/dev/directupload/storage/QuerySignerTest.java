package dev.directupload.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The cached daily signing key never outlives its date or its credentials: a signer that has
 * been signing for a while produces what a brand-new signer produces for the same instant.
 */
class QuerySignerTest {
  private static final URI BASE = URI.create("http://127.0.0.1:9/bucket/");
  private static final Instant DAY_ONE = Instant.parse("2026-03-01T23:59:59Z");
  private static final PutSpec SPEC = new PutSpec("a/b c.txt", "text/plain", 5, Optional.empty(),
      Map.of("owner", "x"), false, Duration.ofMinutes(15), Optional.empty(), false);

  private static String fresh(AwsCredentials credentials, Instant at) {
    return new QuerySigner(BASE, "us-east-1", StaticCredentialsProvider.create(credentials),
        new MutableClock(at)).presignPut(SPEC).url();
  }

  @Test
  void theNextDaysSignatureUsesTheNextDaysKey() {
    AwsCredentials credentials = AwsBasicCredentials.create("AKID", "secret");
    MutableClock clock = new MutableClock(DAY_ONE);
    QuerySigner signer = new QuerySigner(BASE, "us-east-1",
        StaticCredentialsProvider.create(credentials), clock);
    signer.presignPut(SPEC);
    clock.advance(Duration.ofSeconds(1));
    assertEquals(fresh(credentials, clock.instant()), signer.presignPut(SPEC).url());
  }

  @Test
  void rotatedSecretIsUsedByTheNextPresign() {
    AtomicReference<AwsCredentials> current = new AtomicReference<>(
        AwsSessionCredentials.create("ASIA1", "secret-1", "token-1"));
    AwsCredentialsProvider rotating = current::get;
    MutableClock clock = new MutableClock(DAY_ONE);
    QuerySigner signer = new QuerySigner(BASE, "us-east-1", rotating, clock);
    signer.presignPut(SPEC);
    AwsCredentials rotated = AwsSessionCredentials.create("ASIA1", "secret-2", "token-2");
    current.set(rotated);
    String url = signer.presignPut(SPEC).url();
    assertEquals(fresh(rotated, DAY_ONE), url);
    assertTrue(url.contains("X-Amz-Security-Token=token-2"), url);
  }

  @Test
  void rotatedAccessKeyIsUsedByTheNextPresign() {
    AtomicReference<AwsCredentials> current = new AtomicReference<>(
        AwsBasicCredentials.create("AKID1", "same-secret"));
    QuerySigner signer = new QuerySigner(BASE, "us-east-1", current::get,
        new MutableClock(DAY_ONE));
    String before = signer.presignPut(SPEC).url();
    AwsCredentials rotated = AwsBasicCredentials.create("AKID2", "same-secret");
    current.set(rotated);
    String after = signer.presignPut(SPEC).url();
    assertNotEquals(before, after);
    assertEquals(fresh(rotated, DAY_ONE), after);
  }

  @Test
  void refusesAnExpiryBeyondSevenDays() {
    QuerySigner signer = new QuerySigner(BASE, "us-east-1",
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKID", "s")),
        new MutableClock(DAY_ONE));
    PutSpec tooLong = new PutSpec("k", "text/plain", 1, Optional.empty(), Map.of(), false,
        Duration.ofDays(7).plusSeconds(1), Optional.empty(), false);
    assertThrows(IllegalArgumentException.class, () -> signer.presignPut(tooLong));
  }
}
