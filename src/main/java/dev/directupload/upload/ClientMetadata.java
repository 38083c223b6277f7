package dev.directupload.upload;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The meta fields an Uppy client sends with a file, stored with the object as Companion stores
 * them ({@code x-amz-meta-<name>}), within bounds: names lowercased (as S3 keeps them) and of
 * letters, digits and hyphens, values percent-encoded to US-ASCII. Uppy always sends the file's
 * {@code name} and {@code type}, which the upload already holds, and its Dashboard a
 * {@code relativePath} that is mostly {@code null}: those are left out, as are values that are
 * JavaScript's {@code null} or {@code undefined} written as text.
 */
final class ClientMetadata {
  static final int MAX_PAIRS = 10;
  static final int MAX_BYTES = 1024;
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final Set<String> SKIPPED = Set.of("name", "type");
  private static final Set<String> RESERVED = Set.of(StoredUploads.META_ID,
      StoredUploads.META_FILENAME, StoredUploads.META_OWNER);

  private ClientMetadata() {}

  /** The pairs to store, or an {@code INVALID_REQUEST} naming the first that cannot be. */
  static Map<String, String> of(Map<String, String> sent) {
    Map<String, String> kept = new TreeMap<>();
    int bytes = 0;
    for (Map.Entry<String, String> pair : sent.entrySet()) {
      String name = pair.getKey().toLowerCase(Locale.ROOT);
      String value = pair.getValue();
      if (SKIPPED.contains(name) || value == null || value.isEmpty() || value.equals("null")
          || value.equals("undefined")) {
        continue;
      }
      if (!NAME.matcher(name).matches()) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "metadata names are letters, digits"
            + " and '-' (at most 64), but one was '" + shortened(pair.getKey()) + "'");
      }
      if (RESERVED.contains(name)) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "the metadata name '" + name
            + "' is the server's own; choose another");
      }
      String encoded = PercentEncoding.encode(value);
      kept.put(name, encoded);
      bytes += name.length() + encoded.length();
    }
    if (kept.size() > MAX_PAIRS || bytes > MAX_BYTES) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "at most " + MAX_PAIRS + " metadata"
          + " fields of " + MAX_BYTES + " bytes in all may be stored with a file, but "
          + kept.size() + " fields of " + bytes + " bytes were sent");
    }
    return kept;
  }

  private static String shortened(String text) {
    return text.length() > 40 ? text.substring(0, 40) + "…" : text;
  }
}
