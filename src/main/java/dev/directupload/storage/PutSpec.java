package dev.directupload.storage;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Everything a presigned PUT binds.
 *
 * @param checksumSha256 base64 SHA-256 of the bytes the store must receive, when the client sent one
 * @param metadata {@code x-amz-meta-*} entries, names without the prefix, values US-ASCII
 * @param contentDisposition signed and stored with the object, so that opening its URL saves it
 *     instead of rendering it (for types a browser would run)
 * @param writeOnce sign {@code If-None-Match: *}: the store refuses the PUT when the key exists
 */
public record PutSpec(
    String key,
    String contentType,
    long size,
    Optional<String> checksumSha256,
    Map<String, String> metadata,
    boolean publicRead,
    Duration expiry,
    Optional<String> contentDisposition,
    boolean writeOnce) {

  public PutSpec {
    metadata = Map.copyOf(metadata);
  }
}
