package dev.directupload.storage;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What the application needs from a bucket. Presigning is local computation; everything else is
 * a call to the store and throws {@link StorageException} when the store cannot answer.
 */
public interface ObjectStore {

  /** Signs a PUT that the store accepts only with exactly the size, type and headers of the spec. */
  PresignedPut presignPut(PutSpec spec);

  /**
   * Signs a browser form (POST) upload the store accepts only for exactly the key, type and
   * metadata of the spec and a file within its size range.
   */
  PresignedPost presignPost(PostSpec spec);

  /**
   * Starts a multipart upload (whose parts each carry a SHA-256 when the spec says so), and
   * returns the store's id for it.
   */
  String startMultipart(MultipartSpec spec);

  /** Signs the upload of one part, bound to its exact length and SHA-256 when the spec has them. */
  PresignedPut presignPart(PartSpec spec);

  /** The parts stored so far, by part number; empty when the store knows no such upload. */
  Optional<List<StoredPart>> listParts(String key, String uploadId);

  /**
   * Joins {@code parts} into the object. Returns false when the store knows no such upload (it
   * was completed or aborted meanwhile). With {@code writeOnce} the store is asked not to
   * replace an object already at the key.
   */
  boolean completeMultipart(String key, String uploadId, List<StoredPart> parts,
      boolean writeOnce);

  /** Aborts the upload and frees its parts; aborting an unknown upload is not an error. */
  void abortMultipart(String key, String uploadId);

  /** Calls {@code sink} with every unfinished multipart upload under {@code prefix}. */
  void forEachOpenMultipart(String prefix, Consumer<OpenMultipart> sink);

  /** Signs a GET that makes the browser save the object under {@code contentDisposition}. */
  URI presignGet(String key, String contentDisposition, String contentType, Duration expiry);

  /** The object's permanent URL, meaningful only for publicly readable objects. */
  URI publicUrl(String key);

  /** The object's size, type and metadata, or empty when there is no object at that key. */
  Optional<StoredObject> head(String key);

  /**
   * Up to {@code max} leading bytes of the object (fewer when it is shorter), or empty when there
   * is no object at that key.
   */
  Optional<byte[]> readFirstBytes(String key, int max);

  /**
   * Whether the object's ACL lets anyone read it; empty when the store cannot tell (it has no
   * ACLs, or our credentials may not read them).
   */
  Optional<Boolean> isPubliclyReadable(String key);

  /** Deletes the object; deleting a missing key is not an error. */
  void delete(String key);

  /**
   * Calls {@code sink} with every object under {@code prefix}, metadata included, except those
   * whose key goes on with a dot after the prefix: the application's own records.
   */
  void forEachObject(String prefix, Consumer<StoredObject> sink);

  /**
   * Calls {@code sink} with every object under {@code prefix} whose key is after
   * {@code startAfter} and not after {@code lastKey} (null: to the end), in key order, as the
   * listing describes them: a thousand objects per call to the store, none read one by one.
   */
  void forEachListed(String prefix, String startAfter, String lastKey, Consumer<ListedObject> sink);

  /** The first object (in key order) under {@code prefix}, metadata included, or empty. */
  Optional<StoredObject> findFirst(String prefix);

  /** Calls {@code sink} with every key under {@code prefix} after {@code startAfter}, in order. */
  void forEachKey(String prefix, String startAfter, Consumer<String> sink);

  /** Writes a small object of the application's own (a record) at {@code key}. */
  void putRecord(String key, byte[] body);

  /** The bytes of a small object written by {@link #putRecord}, or empty when there is none. */
  Optional<byte[]> getRecord(String key);

  /**
   * Returns normally when the bucket exists and its keys under {@code prefix} can be listed with
   * our credentials (a policy may allow listing only under the prefix).
   */
  void checkBucket(String prefix);

  /**
   * Asks the bucket, as a browser would before an upload, whether a page at {@code origin} may
   * PUT {@code key} with {@code headers}. Throws {@link StorageException} when nobody answers.
   */
  PreflightAnswer corsPreflight(String key, String origin, List<String> headers);
}
