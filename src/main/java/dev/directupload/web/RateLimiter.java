package dev.directupload.web;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * A token bucket per client: each holds at most a minute's worth of presigns and refills
 * continuously, so a burst (a folder dropped on the page) passes and a flood does not.
 */
final class RateLimiter {
  /** Beyond this many clients, buckets idle long enough to be full again are dropped. */
  private static final int MAX_CLIENTS = 100_000;
  private static final long MINUTE_NANOS = 60_000_000_000L;

  private final int perMinute;
  private final LongSupplier nanoTime;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

  RateLimiter(int perMinute, LongSupplier nanoTime) {
    this.perMinute = perMinute;
    this.nanoTime = nanoTime;
  }

  /** Takes one token for {@code client}: 0 when granted, else the seconds until one is free. */
  long acquire(String client) {
    long now = nanoTime.getAsLong();
    if (buckets.size() > MAX_CLIENTS) {
      buckets.values().removeIf(b -> b.idleSince(now) > MINUTE_NANOS);
    }
    return buckets.computeIfAbsent(client, c -> new Bucket(perMinute, now)).take(now, perMinute);
  }

  private static final class Bucket {
    private double tokens;
    private long updated;

    Bucket(int capacity, long now) {
      this.tokens = capacity;
      this.updated = now;
    }

    synchronized long idleSince(long now) {
      return now - updated;
    }

    synchronized long take(long now, int perMinute) {
      tokens = Math.min(perMinute, tokens + (now - updated) * (double) perMinute / MINUTE_NANOS);
      updated = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      double secondsForOne = (1 - tokens) * 60.0 / perMinute;
      return Math.max(1, (long) Math.ceil(secondsForOne));
    }
  }
}
