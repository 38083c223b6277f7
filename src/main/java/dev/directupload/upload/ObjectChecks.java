package dev.directupload.upload;

import dev.directupload.config.ByteSize;
import dev.directupload.config.Settings;
import dev.directupload.registry.Upload;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.StoredObject;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Whether an object in the store is exactly what was signed for an upload, and safe to list:
 * its size, type, checksum and metadata, nothing stored with it that changes how it is served
 * (a lenient store keeps unsigned headers: {@code Content-Encoding: gzip} turned a 200 KB upload
 * into 200 MB on download), no public grant unless objects are meant to be public, and leading
 * bytes that do not contradict the declared type.
 *
 * <p>The cheap checks read what HeadObject returned; the content check costs one ranged GET and
 * the grant check one GetObjectAcl, and both run only when everything else matched.
 */
final class ObjectChecks {
  private static final System.Logger LOG = System.getLogger(ObjectChecks.class.getName());

  private final Settings settings;
  private final ObjectStore store;
  private final ContentSniffer sniffer;
  /** Logged once: a store (or policy) that does not let us read ACLs. */
  private volatile boolean aclWarningLogged;

  ObjectChecks(Settings settings, ObjectStore store, ContentSniffer sniffer) {
    this.settings = settings;
    this.store = store;
    this.sniffer = sniffer;
  }

  /**
   * What the object says that contradicts what was signed, from HeadObject alone; empty when
   * none. An upload whose size was not signed (Uppy's) holds 1 byte to {@code maxFileSize}.
   */
  static Optional<String> difference(Upload upload, StoredObject object, long maxFileSize) {
    if (!upload.isSizeKnown()) {
      if (object.size() < 1 || object.size() > maxFileSize) {
        return Optional.of("the store holds " + ByteSize.format(object.size()) + " but files of"
            + " 1 byte to " + ByteSize.format(maxFileSize) + " are allowed");
      }
    } else if (object.size() != upload.size()) {
      return Optional.of("expected " + upload.size() + " bytes but the store holds "
          + object.size());
    }
    String storedType = StoredUploads.mediaType(object.contentType());
    if (!storedType.equals(upload.contentType())) {
      return Optional.of("expected type " + upload.contentType() + " but the store holds "
          + storedType);
    }
    if (!upload.id().equals(object.metadata().get(StoredUploads.META_ID))) {
      return Optional.of("the object at " + upload.key() + " was not written by this upload");
    }
    if (upload.checksumSha256().isPresent() && object.checksumSha256().isPresent()
        && !upload.checksumSha256().equals(object.checksumSha256())) {
      return Optional.of("the stored SHA-256 differs from the one signed");
    }
    Map<String, String> signed = StoredUploads.metadata(upload);
    if (!signed.equals(object.metadata())) {
      TreeSet<String> names = new TreeSet<>(object.metadata().keySet());
      names.addAll(signed.keySet());
      names.removeIf(n -> signed.get(n) != null && signed.get(n).equals(object.metadata().get(n)));
      return Optional.of("the object carries metadata that was not signed or differs from it ("
          + String.join(", ", names.stream().map(n -> "x-amz-meta-" + n).toList()) + ")");
    }
    Optional<String> headers = unsignedServingHeaders(upload.contentType(),
        object.servingHeaders());
    return headers.map(names -> "the object was stored with headers that were not signed ("
        + names + ")");
  }

  /**
   * The stored headers that change how the object is served and were not signed, named; empty
   * when there are none. A {@code Cache-Control} that only forbids caching passes: browsers add
   * one of their own to a PUT (a reload, or developer tools with the cache off), and it can only
   * make the object served fresher; one that lets it be cached, or for longer, does not.
   */
  static Optional<String> unsignedServingHeaders(String contentType, Map<String, String> stored) {
    Map<String, String> expected = expectedServingHeaders(contentType);
    TreeSet<String> names = new TreeSet<>(stored.keySet());
    names.addAll(expected.keySet());
    names.removeIf(n -> (expected.get(n) != null && expected.get(n).equals(stored.get(n)))
        || (n.equals("cache-control") && expected.get(n) == null
            && onlyForbidsCaching(stored.get(n))));
    return names.isEmpty() ? Optional.empty() : Optional.of(String.join(", ", names));
  }

  private static boolean onlyForbidsCaching(String cacheControl) {
    for (String directive : cacheControl.toLowerCase(java.util.Locale.ROOT).split(",")) {
      String d = directive.trim().replace(" ", "");
      if (!(d.isEmpty() || d.equals("no-cache") || d.equals("no-store") || d.equals("max-age=0")
          || d.equals("must-revalidate") || d.equals("private") || d.equals("no-transform"))) {
        return false;
      }
    }
    return true;
  }

  /**
   * What the object may carry beyond its type: nothing, except for a type a browser would run,
   * which is signed to download rather than render wherever its URL is opened.
   */
  static Map<String, String> expectedServingHeaders(String contentType) {
    return ContentSniffer.isScriptable(contentType)
        ? Map.of("content-disposition", "attachment") : Map.of();
  }

  /** The signed {@code Content-Disposition}, for the types that get one. */
  static Optional<String> contentDisposition(String contentType) {
    return Optional.ofNullable(expectedServingHeaders(contentType).get("content-disposition"));
  }

  /**
   * The checks that cost a call each, once {@link #difference} found nothing: the leading bytes
   * against the declared type, then the grants. Returns the error to answer, or empty.
   */
  Optional<ApiException> deepProblem(Upload upload) {
    byte[] head = store.readFirstBytes(upload.key(), ContentSniffer.HEAD_BYTES)
        .orElse(new byte[0]);
    Optional<String> contradiction =
        sniffer.contradiction(upload.contentType(), head);
    if (contradiction.isPresent()) {
      return Optional.of(new ApiException(ErrorCode.TYPE_MISMATCH, contradiction.get()
          + "; the object was deleted."));
    }
    if (!settings.publicRead()) {
      Optional<Boolean> open = store.isPubliclyReadable(upload.key());
      if (open.isEmpty() && !aclWarningLogged) {
        aclWarningLogged = true;
        LOG.log(System.Logger.Level.WARNING, "The store does not let us read object ACLs"
            + " (no ACL support, or no s3:GetObjectAcl): uploads cannot be checked for a public"
            + " grant that was not signed");
      }
      if (open.orElse(false)) {
        return Optional.of(new ApiException(ErrorCode.OBJECT_MISMATCH, "the object was stored"
            + " readable by anyone, which was not signed; the object was deleted."));
      }
    }
    return Optional.empty();
  }
}
