package dev.directupload.events;

import java.util.Objects;
import java.util.Optional;

/**
 * What is waiting to be delivered, for {@code api/health}.
 *
 * @param pending events recorded and not yet acknowledged (nor abandoned)
 * @param oldestAgeSeconds how long the oldest of them has waited; 0 when none
 * @param lastError why the last attempt failed ("answered 503", "timed out"), never the
 *     receiver's own words; empty when nothing is pending or nothing failed
 */
public record Backlog(long pending, long oldestAgeSeconds, Optional<String> lastError) {
  public static final Backlog EMPTY = new Backlog(0, 0, Optional.empty());

  public Backlog {
    Objects.requireNonNull(lastError, "lastError");
  }
}
