package dev.directupload.upload;

/**
 * RFC 6266 {@code Content-Disposition} values. Always {@code attachment}: an uploaded HTML or SVG
 * file must never render as a page of the bucket's origin.
 */
public final class ContentDisposition {
  private ContentDisposition() {}

  /** {@code attachment; filename="plain ASCII fallback"; filename*=UTF-8''exact%20name}. */
  public static String attachment(String filename) {
    StringBuilder fallback = new StringBuilder();
    filename.codePoints().forEach(c ->
        fallback.append(c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%' ? (char) c : '_'));
    return "attachment; filename=\"" + fallback + "\"; filename*=UTF-8''"
        + PercentEncoding.encode(filename);
  }
}
