package dev.directupload.upload;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds what callers can make the store do by asking for ids this instance does not know: each
 * such id costs a listing (and a record read), so an owner's id that missed is remembered for a
 * few seconds (a client retrying a made-up id in a loop costs nothing more; a real upload that
 * arrives meanwhile is found soon after), and each client may make at most {@link #PER_MINUTE}
 * such looks a minute.
 */
final class StoreLookups {
  /** A client resuming uploads signed on other instances needs a handful; a prober, thousands. */
  static final int PER_MINUTE = 60;
  static final Duration MISS_MEMORY = Duration.ofSeconds(10);
  private static final int MAX_REMEMBERED = 100_000;

  private final Clock clock;
  private final Map<String, Instant> misses = new ConcurrentHashMap<>();
  private final Map<String, Window> windows = new ConcurrentHashMap<>();

  StoreLookups(Clock clock) {
    this.clock = clock;
  }

  boolean missedRecently(String owner, String id) {
    Instant at = misses.get(owner + "/" + id);
    return at != null && clock.instant().isBefore(at.plus(MISS_MEMORY));
  }

  void missed(String owner, String id) {
    Instant now = clock.instant();
    if (misses.size() >= MAX_REMEMBERED) {
      misses.values().removeIf(at -> !now.isBefore(at.plus(MISS_MEMORY)));
    }
    if (misses.size() < MAX_REMEMBERED) {
      misses.put(owner + "/" + id, now);
    }
  }

  /** Takes one look for {@code client}, or refuses with 429 when its minute is used up. */
  void spend(String client) {
    Instant now = clock.instant();
    if (windows.size() >= MAX_REMEMBERED) {
      for (Iterator<Window> it = windows.values().iterator(); it.hasNext(); ) {
        if (!now.isBefore(it.next().start.plus(Duration.ofMinutes(1)))) {
          it.remove();
        }
      }
    }
    Window w = windows.compute(client, (c, old) ->
        old == null || !now.isBefore(old.start.plus(Duration.ofMinutes(1)))
            ? new Window(now, 1) : new Window(old.start, old.count + 1));
    if (w.count > PER_MINUTE) {
      long wait = Math.max(1, Duration.between(now, w.start.plus(Duration.ofMinutes(1)))
          .toSeconds());
      throw new ApiException(ErrorCode.TOO_MANY_REQUESTS, "Too many requests for uploads this"
          + " server does not know; try again in " + wait + " s.", (int) wait);
    }
  }

  private record Window(Instant start, int count) {}
}
