package dev.directupload.storage;

import java.util.Map;
import java.util.Optional;

/**
 * What a multipart upload's object will be: everything a single PUT binds except its size and
 * checksum, which each part binds for itself.
 *
 * @param metadata {@code x-amz-meta-*} entries, names without the prefix, values US-ASCII
 * @param partChecksums every part carries a SHA-256 (the store is told so when the upload
 *     starts, and checks each); false for clients that send none (Uppy)
 */
public record MultipartSpec(
    String key, String contentType, Map<String, String> metadata, boolean publicRead,
    Optional<String> contentDisposition, boolean partChecksums) {

  public MultipartSpec {
    metadata = Map.copyOf(metadata);
  }
}
