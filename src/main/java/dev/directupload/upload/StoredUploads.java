package dev.directupload.upload;

import dev.directupload.storage.StoredObject;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the store's objects say about uploads: the metadata every upload's object carries, how an
 * object differs from what was signed, and the upload an object describes (for the rebuild and
 * for other instances' changes). The object and its metadata are the truth; the index follows.
 */
final class StoredUploads {
  /** Object metadata names (S3 stores them as x-amz-meta-*). */
  private static final String META_ID = "upload-id";
  private static final String META_FILENAME = "filename";
  private static final String META_OWNER = "owner";

  private final UploadRules rules;
  /**
   * One instance of each owner name read back from objects: a rebuild reads the owner of every
   * object, and a million files of one owner should not hold a million copies of the name.
   */
  private final Map<String, String> owners = new ConcurrentHashMap<>();

  StoredUploads(UploadRules rules) {
    this.rules = rules;
  }

  /** The metadata a new upload's object is signed with; values percent-encoded to US-ASCII. */
  static Map<String, String> metadata(String id, String filename, String owner) {
    return Map.of(
        META_ID, id,
        META_FILENAME, PercentEncoding.encode(filename),
        META_OWNER, PercentEncoding.encode(owner));
  }

  /** How the stored object differs from what was signed, in words; empty when it matches. */
  static Optional<String> difference(Upload upload, StoredObject object) {
    if (object.size() != upload.size()) {
      return Optional.of("expected " + upload.size() + " bytes but the store holds "
          + object.size());
    }
    String storedType = mediaType(object.contentType());
    if (!storedType.equals(upload.contentType())) {
      return Optional.of("expected type " + upload.contentType() + " but the store holds "
          + storedType);
    }
    if (!upload.id().equals(object.metadata().get(META_ID))) {
      return Optional.of("the object at " + upload.key() + " was not written by this upload");
    }
    if (upload.checksumSha256().isPresent() && object.checksumSha256().isPresent()
        && !upload.checksumSha256().equals(object.checksumSha256())) {
      return Optional.of("the stored SHA-256 differs from the one signed");
    }
    return Optional.empty();
  }

  /**
   * An upload rebuilt from an object this application wrote; empty for foreign objects and for
   * those whose owner cannot be read. An unreadable name falls back to the key's last segment.
   */
  Optional<Upload> upload(StoredObject object) {
    String id = object.metadata().get(META_ID);
    if (!UploadIds.isWellFormed(id) || !object.key().contains("/" + id + "/")) {
      return Optional.empty();
    }
    String owner;
    try {
      owner = PercentEncoding.decode(
          object.metadata().getOrDefault(META_OWNER, UploadService.ANONYMOUS));
    } catch (IllegalArgumentException e) {
      return Optional.empty(); // whose file it is cannot be read: listing it for anyone is a guess
    }
    String filename;
    try {
      filename = rules.filename(PercentEncoding.decode(
          object.metadata().getOrDefault(META_FILENAME, "")));
    } catch (IllegalArgumentException | ApiException e) {
      filename = object.key().substring(object.key().lastIndexOf('/') + 1);
    }
    Instant at = object.lastModified();
    return Optional.of(new Upload(id, owners.computeIfAbsent(owner, name -> name), object.key(),
        filename, rules.shared(mediaType(object.contentType())), object.size(),
        object.checksumSha256(), at, at, Optional.of(at), Optional.empty()));
  }

  /** "Text/Plain; charset=UTF-8" → "text/plain": stores may add parameters to what was signed. */
  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT);
  }
}
