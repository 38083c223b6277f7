package dev.directupload.storage;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Everything a presigned POST form binds. A form cannot be held to one exact length as a PUT is
 * (the browser writes the multipart body), so the size is a range the store enforces instead.
 *
 * @param key the object's exact key; it may not contain {@code ${filename}}, which S3 would
 *     replace with whatever file name the browser sends
 * @param metadata {@code x-amz-meta-*} entries, names without the prefix, values US-ASCII; kept
 *     sorted by name so the form's fields come in a stable order
 * @param minSize the smallest file accepted, in bytes, inclusive
 * @param maxSize the largest file accepted, in bytes, inclusive
 * @param checksumSha256 base64 SHA-256 of the file the store must receive, when the client sent one
 * @param contentDisposition bound and stored with the object, for types a browser would run
 */
public record PostSpec(
    String key,
    String contentType,
    Map<String, String> metadata,
    long minSize,
    long maxSize,
    Optional<String> checksumSha256,
    boolean publicRead,
    Duration expiry,
    Optional<String> contentDisposition) {

  /** S3 stores at most 5 GiB in one PUT or POST. */
  public static final long MAX_SIZE = 5L * 1024 * 1024 * 1024;

  public PostSpec {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(checksumSha256, "checksumSha256");
    Objects.requireNonNull(expiry, "expiry");
    Objects.requireNonNull(contentDisposition, "contentDisposition");
    if (key.isEmpty() || key.contains("${filename}")) {
      throw new IllegalArgumentException("expected a non-empty key without ${filename} but was '"
          + key + "'");
    }
    if (minSize < 0 || maxSize < minSize || maxSize > MAX_SIZE) {
      throw new IllegalArgumentException("expected sizes 0 <= min <= max <= " + MAX_SIZE
          + " but were " + minSize + ".." + maxSize);
    }
    metadata = Collections.unmodifiableMap(new TreeMap<>(metadata));
  }
}
