package dev.directupload.storage;

import java.util.function.LongSupplier;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * Keeps the credentials the SDK's default chain resolved for one second. The chain walks its
 * providers (or re-reads system properties and environment) on every call, which cost about a
 * tenth of a presign; a second is far below the minutes by which rotated role credentials
 * overlap, so a rotation is still picked up at once for any practical purpose.
 */
final class BriefCredentialsCache implements AwsCredentialsProvider {
  private static final long TTL_NANOS = 1_000_000_000L;

  private final AwsCredentialsProvider delegate;
  private final LongSupplier nanoTime;
  private volatile Entry entry;

  private record Entry(AwsCredentials credentials, long resolvedAt) {}

  BriefCredentialsCache(AwsCredentialsProvider delegate) {
    this(delegate, System::nanoTime);
  }

  BriefCredentialsCache(AwsCredentialsProvider delegate, LongSupplier nanoTime) {
    this.delegate = delegate;
    this.nanoTime = nanoTime;
  }

  @Override
  public AwsCredentials resolveCredentials() {
    long now = nanoTime.getAsLong();
    Entry cached = entry;
    if (cached == null || now - cached.resolvedAt >= TTL_NANOS) {
      cached = new Entry(delegate.resolveCredentials(), now);
      entry = cached;
    }
    return cached.credentials;
  }
}
