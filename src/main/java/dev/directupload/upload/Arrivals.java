package dev.directupload.upload;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The form uploads this instance signed, whose object it looks for by itself: Uppy never tells
 * the server that a small file arrived, and a user expects it listed seconds after the upload
 * ends. Each is looked at (one HeadObject on its own key, never a listing of the bucket) every
 * {@link #EARLY_LOOK} for its first minute, when most uploads end, and every
 * {@link #LATE_LOOK} after that, until it is settled or expires; at most {@link #LOOKS_PER_ROUND}
 * a round, so that thousands of abandoned forms cannot flood the store.
 */
final class Arrivals {
  static final Duration EARLY_LOOK = Duration.ofSeconds(2);
  static final Duration LATE_LOOK = Duration.ofSeconds(5);
  static final Duration EARLY = Duration.ofMinutes(1);
  static final int LOOKS_PER_ROUND = 200;

  private final Map<String, Watch> watched = new ConcurrentHashMap<>();

  private record Watch(Instant signedAt, Instant nextLook) {}

  void watch(String id, Instant now) {
    watched.put(id, new Watch(now, now.plus(EARLY_LOOK)));
  }

  void forget(String id) {
    watched.remove(id);
  }

  int size() {
    return watched.size();
  }

  /** The ids due for a look, the most overdue first, each scheduled for its next look. */
  List<String> due(Instant now) {
    List<Map.Entry<String, Watch>> due = new ArrayList<>();
    for (Map.Entry<String, Watch> entry : watched.entrySet()) {
      if (!entry.getValue().nextLook().isAfter(now)) {
        due.add(entry);
      }
    }
    due.sort(Map.Entry.comparingByValue((a, b) -> a.nextLook().compareTo(b.nextLook())));
    List<String> ids = new ArrayList<>(Math.min(due.size(), LOOKS_PER_ROUND));
    for (Map.Entry<String, Watch> entry : due.subList(0, Math.min(due.size(), LOOKS_PER_ROUND))) {
      Watch w = entry.getValue();
      Duration pause = now.isBefore(w.signedAt().plus(EARLY)) ? EARLY_LOOK : LATE_LOOK;
      watched.replace(entry.getKey(), w, new Watch(w.signedAt(), now.plus(pause)));
      ids.add(entry.getKey());
    }
    return ids;
  }
}
