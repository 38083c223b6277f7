package dev.directupload.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * An object as the store describes it.
 *
 * @param metadata user metadata, names lower-case without the {@code x-amz-meta-} prefix
 * @param checksumSha256 the stored SHA-256 when the store keeps one and reports it
 */
public record StoredObject(
    String key,
    long size,
    String contentType,
    Instant lastModified,
    Map<String, String> metadata,
    Optional<String> checksumSha256) {

  public StoredObject {
    metadata = Map.copyOf(metadata);
  }
}
