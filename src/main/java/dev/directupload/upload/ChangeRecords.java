package dev.directupload.upload;

import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.StorageException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What instances over the same bucket tell each other: each completion or deletion writes an
 * empty object whose key says when, what and which object
 * ({@code <prefix>.direct-upload/changes/<epoch-millis>-c/<object key>}), and every instance
 * reads the records written since it last looked. One listing call per look when nothing
 * happened, one per thousand changes otherwise: the cost follows the changes, not the bucket.
 *
 * <p>Records live under the key prefix after a dot, where no upload key can be (key segments
 * never start with one), so the index rebuild skips them.
 */
final class ChangeRecords {
  private static final System.Logger LOG = System.getLogger(ChangeRecords.class.getName());
  /**
   * How far before the newest record already read each look starts again: a record written late
   * (a slow write, an instance whose clock runs behind) sorts before it and would be missed.
   */
  static final Duration LOOK_BACK = Duration.ofMinutes(2);
  /** Records are deleted after a day; an instance that was away longer rebuilds at start. */
  static final Duration RETENTION = Duration.ofDays(1);

  enum Kind {
    COMPLETED('c'), DELETED('d');

    final char letter;

    Kind(char letter) {
      this.letter = letter;
    }
  }

  /** A change read back: what happened to the object at {@code objectKey}. */
  record Change(Kind kind, String objectKey) {}

  private final ObjectStore store;
  private final String prefix;
  /** Records read within the look-back window, so a second look does not apply them twice. */
  private final NavigableSet<String> seen = new TreeSet<>();
  private long newestMillis;

  ChangeRecords(ObjectStore store, String keyPrefix, Instant start) {
    this.store = store;
    this.prefix = keyPrefix + ".direct-upload/changes/";
    this.newestMillis = start.toEpochMilli();
  }

  /** Writes the record; a failure is logged, not thrown: the change itself has happened. */
  void write(Kind kind, String objectKey, Instant at) {
    try {
      store.putEmpty(prefix + millis(at.toEpochMilli()) + "-" + kind.letter + "/" + objectKey);
    } catch (StorageException e) {
      LOG.log(System.Logger.Level.WARNING, "Could not record a change of " + objectKey + " ("
          + e.getMessage() + "); other instances see it when they next rebuild", e.getCause());
    }
  }

  /** The changes recorded since the last look (and in the look-back window), oldest first. */
  synchronized List<Change> readNew() {
    String after = prefix + millis(Math.max(0, newestMillis - LOOK_BACK.toMillis()));
    List<String> keys = new ArrayList<>();
    store.forEachKey(prefix, after, keys::add);
    List<Change> changes = new ArrayList<>();
    for (String key : keys) {
      Optional<Change> change = parse(key);
      if (change.isPresent() && seen.add(key)) {
        changes.add(change.get());
        newestMillis = Math.max(newestMillis, Long.parseLong(
            key.substring(prefix.length(), prefix.length() + 13)));
      }
    }
    seen.headSet(prefix + millis(Math.max(0, newestMillis - LOOK_BACK.toMillis())), false).clear();
    return changes;
  }

  /** Deletes the records older than {@link #RETENTION}; returns how many. */
  int deleteOld(Instant now) {
    String before = prefix + millis(now.minus(RETENTION).toEpochMilli());
    List<String> old = new ArrayList<>();
    store.forEachKey(prefix, "", key -> {
      if (key.compareTo(before) < 0) {
        old.add(key);
      }
    });
    old.forEach(store::delete);
    return old.size();
  }

  private Optional<Change> parse(String key) {
    String rest = key.substring(prefix.length());
    // "1767225600000-c/uploads/alice/2026/01/01/<id>/photo.jpg"
    if (rest.length() < 17 || rest.charAt(13) != '-' || rest.charAt(15) != '/'
        || !rest.substring(0, 13).chars().allMatch(Character::isDigit)) {
      return Optional.empty();
    }
    Kind kind = switch (rest.charAt(14)) {
      case 'c' -> Kind.COMPLETED;
      case 'd' -> Kind.DELETED;
      default -> null;
    };
    return kind == null ? Optional.empty() : Optional.of(new Change(kind, rest.substring(16)));
  }

  private static String millis(long epochMillis) {
    return String.format(Locale.ROOT, "%013d", epochMillis);
  }
}
