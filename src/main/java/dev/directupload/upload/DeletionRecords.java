package dev.directupload.upload;

import dev.directupload.registry.Tombstone;
import dev.directupload.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Uploads removed while their signed PUT URL could still write the object, recorded in the
 * bucket ({@code <prefix>.direct-upload/deleted/<id>}, the key and the time until which the URL
 * lives): another instance that finds the object written again by that URL, or this one after a
 * restart, knows it belongs to a deleted upload and does not list it. The record goes when its
 * time has passed and the key was looked at once more. Not needed with a database registry,
 * whose tombstones every instance shares.
 */
final class DeletionRecords {
  private final ObjectStore store;
  private final String prefix;

  DeletionRecords(ObjectStore store, String keyPrefix) {
    this.store = store;
    this.prefix = keyPrefix + ".direct-upload/deleted/";
  }

  void write(Tombstone tombstone) {
    store.putRecord(prefix + tombstone.id(), (tombstone.until() + "\n" + tombstone.key())
        .getBytes(StandardCharsets.UTF_8));
  }

  /** True when {@code id} was recorded as deleted. */
  boolean isDeleted(String id) {
    return store.getRecord(prefix + id).isPresent();
  }

  void delete(String id) {
    store.delete(prefix + id);
  }

  /** Every recorded deletion that can be read, as a tombstone; a restart remembers them. */
  List<Tombstone> all() {
    List<String> ids = new ArrayList<>();
    store.forEachKey(prefix, "", key -> ids.add(key.substring(prefix.length())));
    List<Tombstone> tombstones = new ArrayList<>();
    for (String id : ids) {
      store.getRecord(prefix + id).flatMap(body -> parse(id, body)).ifPresent(tombstones::add);
    }
    return tombstones;
  }

  private static Optional<Tombstone> parse(String id, byte[] body) {
    try {
      String[] lines = new String(body, StandardCharsets.UTF_8).split("\n", 2);
      return Optional.of(new Tombstone(id, lines[1], Instant.parse(lines[0]), true));
    } catch (RuntimeException e) {
      return Optional.empty(); // cut short or written by hand: nothing to remember
    }
  }
}
