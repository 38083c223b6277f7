package dev.directupload.testing;

// The README's Java receiver, word for word from "import" to the end of verify: keep them equal.
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

public final class ReadmeReceiver {
  private ReadmeReceiver() {}

  /** True when the headers are a fresh (5 min) Standard Webhooks signature of the raw body. */
  public static boolean verify(String secret, String id, String timestamp, String signatures,
      String body) throws Exception {
    long age = Instant.now().getEpochSecond() - Long.parseLong(timestamp);
    if (Math.abs(age) > 300) {
      return false; // too old (a replay) or from the future
    }
    byte[] key = Base64.getDecoder().decode(secret.substring("whsec_".length()));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    byte[] expected = mac.doFinal((id + "." + timestamp + "." + body)
        .getBytes(StandardCharsets.UTF_8));
    for (String signature : signatures.split(" ")) {
      if (signature.startsWith("v1,") && MessageDigest.isEqual(expected,
          Base64.getDecoder().decode(signature.substring(3)))) {
        return true;
      }
    }
    return false;
  }
}
