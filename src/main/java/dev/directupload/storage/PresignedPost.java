package dev.directupload.storage;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A signed browser form upload: POST {@code url} as {@code multipart/form-data} with every field
 * of {@code fields}, in their order, then the file as the last part, named {@code file} (S3
 * ignores any field after the file).
 *
 * @param url the bucket's URL, ending in '/': Uppy 6 appends the key to it to name the object
 * @param fields the form fields in the order the form sends them, the file not among them
 * @param expiresAt when the policy expires and the store stops accepting the form
 */
public record PresignedPost(String url, Map<String, String> fields, Instant expiresAt) {
  public PresignedPost {
    fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
  }
}
