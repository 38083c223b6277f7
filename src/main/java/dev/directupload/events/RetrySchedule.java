package dev.directupload.events;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * When a failed delivery is tried again: exponential backoff with full jitter (the wait after the
 * n-th failure is random, up to the n-th cap, so receivers coming back are not hit by every
 * sender at once), and the last cap over and over until the window is spent. An event is
 * abandoned at its first failure once {@code window} has passed since it was recorded, so it is
 * tried for at least that long.
 *
 * @param caps the most to wait after the 1st, 2nd, ... failure
 * @param window how long an event is tried before it is abandoned
 */
public record RetrySchedule(List<Duration> caps, Duration window) {

  /**
   * 5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h, then 8 h until 24 h have passed since
   * the event was recorded: about 14 attempts on average when the receiver stays down.
   */
  public static final RetrySchedule STANDARD = new RetrySchedule(List.of(
      Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofMinutes(2),
      Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1), Duration.ofHours(2),
      Duration.ofHours(4), Duration.ofHours(8)), Duration.ofHours(24));

  public RetrySchedule {
    caps = List.copyOf(caps);
    Objects.requireNonNull(window, "window");
    if (caps.isEmpty()) {
      throw new IllegalArgumentException("a retry schedule needs at least one wait");
    }
    for (Duration cap : caps) {
      if (cap.isNegative() || cap.isZero()) {
        throw new IllegalArgumentException("retry waits must be positive but one was " + cap);
      }
    }
    if (window.isNegative()) {
      throw new IllegalArgumentException("the retry window must be 0 or more but was " + window);
    }
  }

  /** How long to wait after the {@code failures}-th failure (1 for the first): 1 ms up to its cap. */
  Duration delayAfter(int failures, RandomGenerator random) {
    Duration cap = caps.get(Math.min(Math.max(failures, 1), caps.size()) - 1);
    return Duration.ofMillis(1 + random.nextLong(Math.max(1, cap.toMillis())));
  }

  /** Whether an event recorded at {@code recordedAt} that just failed at {@code now} is given up. */
  boolean exhausted(Instant recordedAt, Instant now) {
    return !now.isBefore(recordedAt.plus(window));
  }
}
