package dev.directupload.storage;

import java.time.Duration;
import java.util.Optional;

/**
 * Everything a presigned part upload binds.
 *
 * @param uploadId the store's id of the multipart upload
 * @param partNumber 1 to 10,000
 * @param size the part's exact length, or {@link #ANY_SIZE} when the client cuts its parts as
 *     it likes and says nothing of them (Uppy): the store then takes any length
 * @param checksumSha256 base64 SHA-256 of the part's bytes; empty when the client sends none
 */
public record PartSpec(
    String key, String uploadId, int partNumber, long size, Optional<String> checksumSha256,
    Duration expiry) {

  /** The part's length is not bound. */
  public static final long ANY_SIZE = -1;
}
