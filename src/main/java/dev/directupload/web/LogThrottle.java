package dev.directupload.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Says when a recurring problem is due to be logged loudly again: at most once per
 * {@code period}, so an outage that fails every request writes a warning, not a flood.
 */
final class LogThrottle {
  private final long periodNanos;
  private final AtomicLong last = new AtomicLong(System.nanoTime() - Long.MAX_VALUE / 2);

  LogThrottle(Duration period) {
    this.periodNanos = period.toNanos();
  }

  /** True for the first call, then for the first call after each period. */
  boolean due() {
    long now = System.nanoTime();
    long before = last.get();
    return now - before >= periodNanos && last.compareAndSet(before, now);
  }
}
