package dev.directupload.storage;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * An object as the store describes it.
 *
 * @param metadata user metadata, names lower-case without the {@code x-amz-meta-} prefix
 * @param checksumSha256 the stored SHA-256 when the store keeps one and reports it
 * @param etag the store's entity tag, quotes included as the store sends it
 * @param servingHeaders what else the store keeps that changes how the object is served, names
 *     lower-case: {@code content-encoding}, {@code cache-control}, {@code content-disposition},
 *     {@code x-amz-storage-class} (other than STANDARD), {@code x-amz-website-redirect-location};
 *     absent ones are left out
 */
public record StoredObject(
    String key,
    long size,
    String contentType,
    Instant lastModified,
    Map<String, String> metadata,
    Optional<String> checksumSha256,
    Optional<String> etag,
    Map<String, String> servingHeaders) {

  public StoredObject {
    metadata = Map.copyOf(metadata);
    servingHeaders = Map.copyOf(servingHeaders);
  }
}
