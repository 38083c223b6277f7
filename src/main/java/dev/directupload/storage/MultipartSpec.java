package dev.directupload.storage;

import java.util.Map;
import java.util.Optional;

/**
 * What a multipart upload's object will be: everything a single PUT binds except its size and
 * checksum, which each part binds for itself.
 *
 * @param metadata {@code x-amz-meta-*} entries, names without the prefix, values US-ASCII
 */
public record MultipartSpec(
    String key, String contentType, Map<String, String> metadata, boolean publicRead,
    Optional<String> contentDisposition) {

  public MultipartSpec {
    metadata = Map.copyOf(metadata);
  }
}
