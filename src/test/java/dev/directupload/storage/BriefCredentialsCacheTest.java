package dev.directupload.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;

class BriefCredentialsCacheTest {
  @Test
  void theChainIsAskedOncePerSecondAndARotationIsSeenAfterIt() {
    AtomicInteger asked = new AtomicInteger();
    AtomicLong now = new AtomicLong(5_000_000_000L);
    AwsCredentials first = AwsBasicCredentials.create("AKID1", "s1");
    AwsCredentials second = AwsBasicCredentials.create("AKID2", "s2");
    BriefCredentialsCache cache = new BriefCredentialsCache(
        () -> asked.incrementAndGet() == 1 ? first : second, now::get);

    assertSame(first, cache.resolveCredentials());
    now.addAndGet(999_999_999L);
    assertSame(first, cache.resolveCredentials());
    assertEquals(1, asked.get());
    now.addAndGet(1);
    assertSame(second, cache.resolveCredentials());
    assertEquals(2, asked.get());
  }
}
