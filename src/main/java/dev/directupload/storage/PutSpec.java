package dev.directupload.storage;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a presigned PUT binds.
 *
 * @param checksumSha256 base64 SHA-256 of the bytes the store must receive, when the client sent one
 * @param metadata {@code x-amz-meta-*} entries, names without the prefix, values US-ASCII
 */
public record PutSpec(
    String key,
    String contentType,
    long size,
    Optional<String> checksumSha256,
    Map<String, String> metadata,
    boolean publicRead,
    Duration expiry) {

  public PutSpec {
    metadata = Map.copyOf(metadata);
  }
}
