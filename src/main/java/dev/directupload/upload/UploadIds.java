package dev.directupload.upload;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Upload ids: 16 bytes, base64url without padding (22 characters): the millisecond the id was
 * made (48 bits) and 80 random bits. Unguessable, so an id is as good as a capability, and safe
 * in a URL path and an object key without escaping. The time in it tells any instance in which
 * dated folder the upload's object lives, so an instance that did not sign an upload finds it
 * with one listing.
 */
public final class UploadIds {
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{22}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private UploadIds() {}

  public static String next(Instant now) {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    long millis = now.toEpochMilli();
    for (int i = 5; i >= 0; i--) {
      bytes[i] = (byte) millis;
      millis >>>= 8;
    }
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** When a well-formed id was made (meaningless for ids made by older versions, which miss). */
  static Instant madeAt(String id) {
    byte[] bytes = Base64.getUrlDecoder().decode(id);
    long millis = 0;
    for (int i = 0; i < 6; i++) {
      millis = (millis << 8) | (bytes[i] & 0xff);
    }
    return Instant.ofEpochMilli(millis);
  }

  public static boolean isWellFormed(String id) {
    return id != null && SHAPE.matcher(id).matches();
  }
}
