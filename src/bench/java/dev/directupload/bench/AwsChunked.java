package dev.directupload.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code aws-chunked} content coding the AWS SDK uses to stream a signed or checksummed body
 * over plain HTTP: {@code <hex size>[;chunk-signature=...]\r\n<bytes>\r\n}, ending with a chunk
 * of size 0 and optional trailers ({@code x-amz-checksum-crc32:...}) and an empty line.
 * Chunk signatures are not checked, like every signature here.
 */
final class AwsChunked {
  /** The decoded body and the trailers, names lower-case. */
  record Decoded(byte[] body, Map<String, String> trailers) {}

  private AwsChunked() {}

  static boolean applies(String contentSha256, String contentEncoding) {
    return (contentSha256 != null && contentSha256.startsWith("STREAMING-"))
        || (contentEncoding != null
            && contentEncoding.toLowerCase(Locale.ROOT).contains("aws-chunked"));
  }

  /** Throws IllegalArgumentException saying what was expected where the framing is broken. */
  static Decoded decode(byte[] raw) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(raw.length);
    Map<String, String> trailers = new LinkedHashMap<>();
    int at = 0;
    while (true) {
      int eol = lineEnd(raw, at);
      String line = new String(raw, at, eol - at, StandardCharsets.US_ASCII);
      int semicolon = line.indexOf(';');
      String hex = (semicolon < 0 ? line : line.substring(0, semicolon)).trim();
      int size;
      try {
        size = Integer.parseInt(hex, 16);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("expected a chunk size in hex at byte " + at
            + " but found '" + line + "'");
      }
      at = eol + 2;
      if (size == 0) {
        break;
      }
      if (size < 0 || at + size + 2 > raw.length || raw[at + size] != '\r'
          || raw[at + size + 1] != '\n') {
        throw new IllegalArgumentException("expected a chunk of " + size + " bytes and CRLF at"
            + " byte " + at + " of " + raw.length);
      }
      body.write(raw, at, size);
      at += size + 2;
    }
    while (at < raw.length) {
      int eol = lineEnd(raw, at);
      String line = new String(raw, at, eol - at, StandardCharsets.US_ASCII);
      at = eol + 2;
      if (line.isEmpty()) {
        break;
      }
      int colon = line.indexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("expected a trailer 'name:value' but found '" + line
            + "'");
      }
      trailers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
          line.substring(colon + 1).trim());
    }
    return new Decoded(body.toByteArray(), trailers);
  }

  private static int lineEnd(byte[] raw, int from) {
    for (int i = from; i + 1 < raw.length; i++) {
      if (raw[i] == '\r' && raw[i + 1] == '\n') {
        return i;
      }
    }
    throw new IllegalArgumentException("expected a line ending in CRLF at byte " + from + " of "
        + raw.length);
  }
}
