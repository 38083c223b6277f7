package dev.directupload.upload;

/**
 * A part a client that cut its file itself names when it completes: its number and the ETag the
 * store answered its upload with (quoted as S3 sends it, or unquoted as Uppy 6 passes it on).
 */
public record ClientPart(int partNumber, String etag) {

  /** The ETag without the double quotes S3 puts around it. */
  static String unquoted(String etag) {
    String trimmed = etag == null ? "" : etag.trim();
    return trimmed.length() >= 2 && trimmed.startsWith("\"") && trimmed.endsWith("\"")
        ? trimmed.substring(1, trimmed.length() - 1) : trimmed;
  }
}
