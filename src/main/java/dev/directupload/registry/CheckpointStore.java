package dev.directupload.registry;

import dev.directupload.storage.ObjectStore;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Where checkpoints live: {@code <prefix>.direct-upload/index/checkpoint-<millis>-<random>}, a
 * few of the newest kept. Written whole in one PUT, so a writer killed half-way leaves the older
 * ones as they were; read newest first, falling back to the next when one cannot be read.
 */
public final class CheckpointStore {
  private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());
  /** Enough to fall back once when the newest cannot be read; more only costs storage. */
  static final int KEPT = 2;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ObjectStore store;
  private final String keyPrefix;
  private final String folder;

  public CheckpointStore(ObjectStore store, String keyPrefix) {
    this.store = store;
    this.keyPrefix = keyPrefix;
    this.folder = keyPrefix + ".direct-upload/index/";
  }

  /** Checkpoint keys, newest first. */
  private List<String> keys() {
    List<String> keys = new ArrayList<>();
    store.forEachKey(folder + "checkpoint-", "", keys::add);
    keys.sort((a, b) -> b.compareTo(a));
    return keys;
  }

  /** When the newest checkpoint was taken, by its name alone; empty when there is none. */
  public Optional<Instant> newestTime() {
    return keys().stream().findFirst().flatMap(CheckpointStore::takenAt);
  }

  /**
   * The newest checkpoint that can be read, trying the ones before it when it cannot (each
   * refusal is logged with its reason); empty when none can.
   */
  public Optional<Checkpoint> newest() {
    for (String key : keys()) {
      Optional<byte[]> bytes = store.getRecord(key);
      if (bytes.isEmpty()) {
        continue; // deleted between the listing and the read
      }
      try {
        return Optional.of(Checkpoint.fromBytes(bytes.get(), keyPrefix));
      } catch (Checkpoint.Unreadable e) {
        LOG.log(System.Logger.Level.WARNING, "Ignoring checkpoint " + key + ": "
            + e.getMessage());
      }
    }
    return Optional.empty();
  }

  /** Stores {@code checkpoint}, then deletes all but the newest {@link #KEPT}. */
  public void write(Checkpoint checkpoint) {
    byte[] random = new byte[4];
    RANDOM.nextBytes(random);
    String key = folder + "checkpoint-" + String.format(Locale.ROOT, "%013d",
        checkpoint.takenAt().toEpochMilli()) + "-" + HexFormat.of().formatHex(random);
    store.putRecord(key, checkpoint.toBytes());
    List<String> keys = keys();
    for (String old : keys.subList(Math.min(KEPT, keys.size()), keys.size())) {
      store.delete(old);
    }
  }

  private static Optional<Instant> takenAt(String key) {
    int start = key.lastIndexOf("checkpoint-") + "checkpoint-".length();
    try {
      return Optional.of(Instant.ofEpochMilli(Long.parseLong(key.substring(start, start + 13))));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}
