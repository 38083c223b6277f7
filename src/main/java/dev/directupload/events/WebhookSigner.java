package dev.directupload.events;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs webhooks (and pre-create hook calls) the Standard Webhooks way: HMAC-SHA256 with the
 * secret's bytes over {@code id.timestamp.body}, sent as {@code webhook-signature: v1,<base64>}
 * next to {@code webhook-id} and {@code webhook-timestamp} (Unix seconds of this attempt).
 */
public final class WebhookSigner {
  public static final String PREFIX = "whsec_";
  /** The Standard Webhooks specification asks for 24 to 64 random bytes; we insist on 24. */
  public static final int MIN_SECRET_BYTES = 24;
  private static final String HMAC = "HmacSHA256";

  private final SecretKeySpec key;

  private WebhookSigner(byte[] key) {
    this.key = new SecretKeySpec(key, HMAC);
  }

  /**
   * Reads a secret of the form {@code whsec_<base64 of at least 24 random bytes>}. The message of
   * the {@link IllegalArgumentException} says what was expected and never repeats the secret.
   */
  public static WebhookSigner parse(String secret) {
    if (secret == null || !secret.startsWith(PREFIX)) {
      throw new IllegalArgumentException("expected a webhook secret starting with '" + PREFIX
          + "' followed by base64 (e.g. " + PREFIX + "$(openssl rand -base64 32)) but "
          + (secret == null || secret.isEmpty() ? "it is empty" : "it does not start so"));
    }
    byte[] key;
    try {
      key = Base64.getDecoder().decode(secret.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("expected standard base64 (A-Z a-z 0-9 + / and '='"
          + " padding) after '" + PREFIX + "' in the webhook secret but it is not");
    }
    if (key.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("expected at least " + MIN_SECRET_BYTES
          + " random bytes in the webhook secret (" + PREFIX + "$(openssl rand -base64 32)) but"
          + " it decodes to " + key.length);
    }
    return new WebhookSigner(key);
  }

  /** {@code v1,} and the base64 HMAC-SHA256 of {@code id + "." + timestamp + "." + body}. */
  public String sign(String id, long timestampSeconds, String body) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(key);
      byte[] digest = mac.doFinal((id + "." + timestampSeconds + "." + body)
          .getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("every Java runtime has HmacSHA256", e);
    }
  }

  /** The three headers of one attempt to send {@code body} as message {@code id} at {@code now}. */
  public Map<String, String> headers(String id, Instant now, String body) {
    long timestamp = now.getEpochSecond();
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("webhook-id", id);
    headers.put("webhook-timestamp", Long.toString(timestamp));
    headers.put("webhook-signature", sign(id, timestamp, body));
    return headers;
  }

  /** Never the secret. */
  @Override
  public String toString() {
    return "WebhookSigner[HmacSHA256, " + key.getEncoded().length + " bytes]";
  }
}
