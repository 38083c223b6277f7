package dev.directupload.upload;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * Upload ids: 128 random bits, base64url without padding (22 characters). Unguessable, so an id
 * is as good as a capability, and safe in a URL path and an object key without escaping.
 */
public final class UploadIds {
  private static final Pattern SHAPE = Pattern.compile("[A-Za-z0-9_-]{22}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private UploadIds() {}

  public static String next() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  public static boolean isWellFormed(String id) {
    return id != null && SHAPE.matcher(id).matches();
  }
}
