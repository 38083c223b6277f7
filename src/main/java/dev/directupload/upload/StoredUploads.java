package dev.directupload.upload;

import dev.directupload.registry.Upload;
import dev.directupload.storage.StoredObject;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the store's objects say about uploads: the metadata every upload's object carries, and
 * the upload an object describes (for the rebuild and for other instances' changes). The object
 * and its metadata are the truth; the index follows.
 */
final class StoredUploads {
  /** Object metadata names (S3 stores them as x-amz-meta-*). */
  static final String META_ID = "upload-id";
  static final String META_FILENAME = "filename";
  static final String META_OWNER = "owner";

  private final UploadRules rules;
  /**
   * One instance of each owner name read back from objects: a rebuild reads the owner of every
   * object, and a million files of one owner should not hold a million copies of the name.
   */
  private final Map<String, String> owners = new ConcurrentHashMap<>();

  StoredUploads(UploadRules rules) {
    this.rules = rules;
  }

  /**
   * The metadata a new upload's object is signed with: ours, values percent-encoded to US-ASCII,
   * and the {@code extra} pairs a pre-create hook asked for.
   */
  static Map<String, String> metadata(String id, String filename, String owner,
      Map<String, String> extra) {
    Map<String, String> all = new HashMap<>(extra);
    all.put(META_ID, id);
    all.put(META_FILENAME, PercentEncoding.encode(filename));
    all.put(META_OWNER, PercentEncoding.encode(owner));
    return Map.copyOf(all);
  }

  /** The metadata {@code upload}'s object was signed with. */
  static Map<String, String> metadata(Upload upload) {
    return metadata(upload.id(), upload.filename(), upload.owner(), upload.metadata());
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
    Map<String, String> extra = new HashMap<>(object.metadata());
    extra.remove(META_ID);
    extra.remove(META_FILENAME);
    extra.remove(META_OWNER);
    Instant at = object.lastModified();
    String sharedOwner = owners.computeIfAbsent(owner, name -> name);
    return Optional.of(new Upload(id, sharedOwner, sharedOwner, object.key(), filename,
        rules.shared(mediaType(object.contentType())), object.size(), object.checksumSha256(),
        extra, at, at, Optional.of(at), object.etag(), Optional.empty()));
  }

  /** "Text/Plain; charset=UTF-8" → "text/plain": stores may add parameters to what was signed. */
  static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT);
  }
}
