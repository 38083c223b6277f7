package dev.directupload.bench;

import dev.directupload.upload.PercentEncoding;
import dev.directupload.upload.UploadIds;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.BiConsumer;

/**
 * Objects shaped like the application's uploads, made without HTTP, and what they answer that is
 * not stored: their ETag (a hash of key, size and date, shaped like S3's MD5), their metadata (the
 * {@code upload-id}, {@code filename} and {@code owner} the application signs, read back from the
 * key) and their bytes (a pattern of the recorded size that starts as a file of the type does).
 * File names are ones the application keeps unchanged in the key ({@code IMG_20260304_101112.jpg}),
 * so the {@code filename} metadata is exactly what it would have signed for them.
 */
final class FilledObjects {
  /** A kind of file: how often it occurs, its name, and its size (log-normal, clamped). */
  private record Kind(String type, int percent, String name, long median, double sigma,
      long min, long max, byte[] template) {}

  /** A synthetic body is the template's {@code TEMPLATE} bytes, then its tail over and over. */
  private static final int TEMPLATE = 64 * 1024;
  /** The part of a template that is not repeated: the magic number and a header after it. */
  private static final int HEAD = 512;
  private static final long KB = 1024;
  private static final long MB = 1024 * KB;
  private static final long GB = 1024 * MB;
  private static final List<Kind> KINDS = List.of(
      new Kind("image/jpeg", 40, "IMG_%d_%t.jpg", 2500 * KB, 0.5, 30 * KB, 20 * MB,
          binary(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE0, 0, 0x10,
              'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0})),
      new Kind("image/png", 18, "Screenshot_%d-%t.png", 450 * KB, 0.8, 2 * KB, 15 * MB,
          binary(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 0x0D,
              'I', 'H', 'D', 'R'})),
      new Kind("application/pdf", 14, "document-%n.pdf", 300 * KB, 1.0, 5 * KB, 50 * MB,
          binary("%PDF-1.7\n%\u00e2\u00e3\u00cf\u00d3\n".getBytes(StandardCharsets.ISO_8859_1))),
      new Kind("text/plain", 8, "notes-%n.txt", 6 * KB, 1.2, 10, 5 * MB,
          text("Notes from the meeting.\n", "Nothing to add, see the list above.\n")),
      new Kind("text/csv", 5, "export-%d.csv", 80 * KB, 1.5, 100, 200 * MB,
          text("id,name,amount\n", "1042,Alice Example,17.50\n")),
      new Kind("video/mp4", 6, "VID_%d_%t.mp4", 45 * MB, 1.0, 500 * KB, 4 * GB,
          binary(new byte[] {0, 0, 0, 0x20, 'f', 't', 'y', 'p', 'i', 's', 'o', 'm', 0, 0, 2, 0,
              'i', 's', 'o', 'm', 'i', 's', 'o', '2', 'a', 'v', 'c', '1', 'm', 'p', '4', '1'})),
      new Kind("application/zip", 6, "archive-%n.zip", 12 * MB, 1.2, 1 * KB, 2 * GB,
          binary(new byte[] {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0})),
      new Kind("application/json", 3, "data-%n.json", 12 * KB, 1.3, 2, 20 * MB,
          text("{\"items\":[\n", "  {\"id\":1042,\"name\":\"Alice Example\",\"amount\":17.5},\n")));
  private static final Kind[] BY_PERCENT = byPercent();
  private static final Map<String, byte[]> TEMPLATES = templates();

  private FilledObjects() {}

  /**
   * Makes {@code count} objects of {@code shape} and hands each key and object to {@code sink};
   * {@code first} numbers the names, so that fills one after another do not repeat them.
   */
  static void make(int count, long first, Fill shape, BiConsumer<String, Blob> sink) {
    SplittableRandom random = new SplittableRandom(shape.seed() ^ first * 0x9E3779B97F4A7C15L);
    long from = shape.from().toEpochMilli();
    long span = shape.to().toEpochMilli() - from;
    byte[] id = new byte[16];
    Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
    StringBuilder key = new StringBuilder(128);
    for (int i = 0; i < count; i++) {
      long made = from + random.nextLong(span);
      for (int b = 5, m = 0; b >= 0; b--, m += 8) {
        id[b] = (byte) (made >>> m);
      }
      long r1 = random.nextLong();
      long r2 = random.nextLong();
      for (int b = 0; b < 8; b++) {
        id[6 + b] = (byte) (r1 >>> (b * 8));
      }
      id[14] = (byte) r2;
      id[15] = (byte) (r2 >>> 8);
      Kind kind = BY_PERCENT[random.nextInt(100)];
      long size = Math.max(kind.min, Math.min(kind.max,
          Math.round(kind.median * Math.exp(kind.sigma * random.nextGaussian()))));
      LocalDateTime at = LocalDateTime.ofEpochSecond(Math.floorDiv(made, 1000), 0, ZoneOffset.UTC);
      key.setLength(0);
      key.append(shape.prefix()).append(shape.owners().get(random.nextInt(shape.owners().size())))
          .append('/').append(at.getYear()).append('/');
      two(key, at.getMonthValue()).append('/');
      two(key, at.getDayOfMonth()).append('/').append(base64.encodeToString(id)).append('/');
      name(key, kind.name, at, first + i);
      // An upload ends some time after it was signed: a second plus its bytes at 5 MB/s.
      long completed = made + 1000 + size / (5 * MB / 1000);
      long lastModified = completed - Math.floorMod(completed, 1000);
      sink.accept(key.toString(), new Blob(size, kind.type, lastModified, null, null, null));
    }
  }

  /** "IMG_%d_%t.jpg" with %d the day (20260304), %t the time (101112), %n the number. */
  private static void name(StringBuilder out, String pattern, LocalDateTime at, long n) {
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c != '%') {
        out.append(c);
        continue;
      }
      switch (pattern.charAt(++i)) {
        case 'd' -> two(two(out.append(at.getYear()), at.getMonthValue()), at.getDayOfMonth());
        case 't' -> two(two(two(out, at.getHour()), at.getMinute()), at.getSecond());
        case 'n' -> {
          String digits = Long.toString(n);
          out.append("0000000", Math.min(7, digits.length()), 7).append(digits);
        }
        default -> throw new IllegalStateException("unknown field in " + pattern);
      }
    }
  }

  private static StringBuilder two(StringBuilder out, int value) {
    return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  /**
   * The quoted ETag of a filled object: 32 hex digits like S3's MD5 of a single PUT's bytes, here
   * a hash of the key, size and date (cheap enough for a thousand per listing page).
   */
  static String etag(String key, long size, long lastModified) {
    long first = mix(key.hashCode() * 0x9E3779B97F4A7C15L ^ size);
    long second = mix(first ^ lastModified ^ key.length());
    HexFormat hex = HexFormat.of();
    return '"' + hex.toHexDigits(first) + hex.toHexDigits(second) + '"';
  }

  /** SplittableRandom's 64-bit finaliser: every input bit moves every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /**
   * The metadata the application signs, read back from a filled object's key
   * {@code <prefix><owner>/<yyyy>/<MM>/<dd>/<id>/<name>}, as response header names.
   */
  static Map<String, String> headers(String key) {
    int nameStart = key.lastIndexOf('/') + 1;
    int idStart = key.lastIndexOf('/', nameStart - 2) + 1;
    int slash = idStart - 1;
    for (int i = 0; i < 4; i++) { // back over dd, MM and yyyy to the owner's slash
      slash = key.lastIndexOf('/', slash - 1);
    }
    int ownerEnd = key.indexOf('/', slash + 1);
    String id = key.substring(idStart, nameStart - 1);
    if (!UploadIds.isWellFormed(id) || ownerEnd < 0) {
      throw new IllegalStateException("not a filled object's key: " + key);
    }
    Map<String, String> headers = new HashMap<>(4);
    headers.put("x-amz-meta-upload-id", id);
    headers.put("x-amz-meta-filename", PercentEncoding.encode(key.substring(nameStart)));
    headers.put("x-amz-meta-owner", PercentEncoding.encode(key.substring(slash + 1, ownerEnd)));
    return headers;
  }

  /** Writes bytes {@code start} (inclusive) to {@code end} (exclusive) of a filled body. */
  static void writeBody(String contentType, long start, long end, OutputStream out)
      throws IOException {
    byte[] template = TEMPLATES.getOrDefault(contentType, TEMPLATES.get("application/zip"));
    long at = start;
    while (at < end) {
      int offset = at < TEMPLATE ? (int) at : HEAD + (int) ((at - HEAD) % (TEMPLATE - HEAD));
      int run = (int) Math.min(TEMPLATE - offset, end - at);
      out.write(template, offset, run);
      at += run;
    }
  }

  private static Kind[] byPercent() {
    Kind[] table = new Kind[100];
    int at = 0;
    for (Kind kind : KINDS) {
      for (int i = 0; i < kind.percent; i++) {
        table[at++] = kind;
      }
    }
    if (at != table.length) {
      throw new IllegalStateException("the kinds' shares add up to " + at + "%, not 100%");
    }
    return table;
  }

  private static Map<String, byte[]> templates() {
    Map<String, byte[]> templates = new HashMap<>();
    KINDS.forEach(kind -> templates.put(kind.type, kind.template));
    return Map.copyOf(templates);
  }

  /** The magic number, then random bytes (fixed seed): compressed data looks like that. */
  private static byte[] binary(byte[] magic) {
    byte[] template = new byte[TEMPLATE];
    new SplittableRandom(magic.length).nextBytes(template);
    System.arraycopy(magic, 0, template, 0, magic.length);
    return template;
  }

  /** The first line, then the second over and over. */
  private static byte[] text(String first, String line) {
    byte[] template = new byte[TEMPLATE];
    byte[] head = first.getBytes(StandardCharsets.UTF_8);
    byte[] repeated = line.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(head, 0, template, 0, head.length);
    for (int i = head.length; i < TEMPLATE; i++) {
      template[i] = repeated[(i - head.length) % repeated.length];
    }
    return template;
  }

  static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is missing from this JVM", e);
    }
  }
}
