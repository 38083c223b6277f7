package dev.directupload.registry;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One upload, from the moment its URL is signed. Immutable: every change makes a new value.
 *
 * @param owner who the upload belongs to: the authenticated user, or {@code anonymous}
 * @param client who the upload counts against while it is pending: the user, or for anonymous
 *     callers their address, so that one caller cannot use up everyone's room
 * @param filename the name as the user chose it (NFC), shown in the list and used for downloads
 * @param key the object key, chosen by the server; never derived from a client path
 * @param size the exact size signed, or {@link #SIZE_UNKNOWN} while a client that does not say
 *     it (Uppy) uploads; a completed upload always holds its object's size
 * @param metadata extra {@code x-amz-meta-*} pairs signed with the object beyond our own (the
 *     pre-create hook's); empty for most uploads
 * @param expiresAt when a pending upload is given up (URL expiry plus a grace period)
 * @param completedAt when the object was verified in the store (its last-modified time); empty
 *     while pending
 * @param etag the object's ETag when it was verified: an object written again afterwards has
 *     another, and is not served as this file
 * @param multipart how a large file goes up in parts; empty for a single PUT, and dropped once
 *     the upload is complete (a listed file needs none of it)
 */
public record Upload(
    String id,
    String owner,
    String client,
    String key,
    String filename,
    String contentType,
    long size,
    Optional<String> checksumSha256,
    Map<String, String> metadata,
    Instant createdAt,
    Instant expiresAt,
    Optional<Instant> completedAt,
    Optional<String> etag,
    Optional<MultipartPlan> multipart) {

  public Upload {
    metadata = Map.copyOf(metadata);
  }

  /**
   * The size of a pending upload whose client did not say it: its POST policy or its parts bound
   * only the range, and the object's size is taken when it is verified. Real files have 1 byte
   * or more, so 0 is never a size that was signed.
   */
  public static final long SIZE_UNKNOWN = 0;

  public boolean isSizeKnown() {
    return size != SIZE_UNKNOWN;
  }

  public boolean isCompleted() {
    return completedAt.isPresent();
  }

  /**
   * The same upload verified at {@code at}. It no longer counts against its client, so the
   * client field becomes the owner (one shared string instead of one per listed file).
   */
  public Upload completed(Instant at, Optional<String> objectEtag) {
    return new Upload(id, owner, owner, key, filename, contentType, size, checksumSha256,
        metadata, createdAt, expiresAt, Optional.of(at), objectEtag, Optional.empty());
  }

  /** The same upload with the size its object turned out to have. */
  public Upload withSize(long objectSize) {
    return new Upload(id, owner, client, key, filename, contentType, objectSize, checksumSha256,
        metadata, createdAt, expiresAt, completedAt, etag, multipart);
  }

  /** The same pending upload with its multipart upload started in the store. */
  public Upload withMultipart(MultipartPlan plan, Instant newExpiry) {
    return new Upload(id, owner, client, key, filename, contentType, size, checksumSha256,
        metadata, createdAt, newExpiry, completedAt, etag, Optional.of(plan));
  }
}
