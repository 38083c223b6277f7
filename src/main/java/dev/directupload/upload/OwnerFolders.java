package dev.directupload.upload;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The folder an owner's uploads go under: readable for the usual names ("alice", "bob.smith"
 * stay as they are) and injective, so that two owners never share a folder ("alice smith" and
 * "alice_smith" once did). ASCII letters, digits, '.' and '-' (S3's safe key characters) stay; every other UTF-8 byte, '_' included, becomes {@code _XX} in upper-case hex, and so does
 * a leading '.' (keys under the prefix that start with a dot are the application's records).
 * A very long name keeps its first part and a SHA-256 of the whole, to stay far below S3's key
 * limit.
 */
final class OwnerFolders {
  static final int MAX_LENGTH = 160;
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private OwnerFolders() {}

  static String of(String owner) {
    byte[] bytes = owner.getBytes(StandardCharsets.UTF_8);
    StringBuilder out = new StringBuilder(bytes.length + 8);
    for (int i = 0; i < bytes.length; i++) {
      int c = bytes[i] & 0xff;
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || (c == '.' && i > 0);
      if (plain) {
        out.append((char) c);
      } else {
        out.append('_').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    if (out.length() <= MAX_LENGTH) {
      return out.toString();
    }
    // '~' never appears in an encoded name, so a shortened one cannot equal a full one.
    return out.substring(0, MAX_LENGTH - 65) + "~" + sha256(bytes);
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
