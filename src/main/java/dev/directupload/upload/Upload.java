package dev.directupload.upload;

import java.time.Instant;
import java.util.Optional;

/**
 * One upload, from the moment its URL is signed. Immutable: completing it makes a new value.
 *
 * @param filename the name as the user chose it (NFC), shown in the list and used for downloads
 * @param key the object key, chosen by the server; never derived from a client path
 * @param expiresAt when a pending upload is given up (URL expiry plus a grace period)
 * @param completedAt when the object was verified in the store (its last-modified time); empty
 *     while pending
 * @param multipart how a large file goes up in parts; empty for a single PUT, and dropped once
 *     the upload is complete (a listed file needs none of it)
 */
public record Upload(
    String id,
    String owner,
    String key,
    String filename,
    String contentType,
    long size,
    Optional<String> checksumSha256,
    Instant createdAt,
    Instant expiresAt,
    Optional<Instant> completedAt,
    Optional<MultipartPlan> multipart) {

  public boolean isCompleted() {
    return completedAt.isPresent();
  }

  Upload completed(Instant at) {
    return new Upload(id, owner, key, filename, contentType, size, checksumSha256, createdAt,
        expiresAt, Optional.of(at), Optional.empty());
  }
}
