package dev.directupload.storage;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import javax.crypto.Mac;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * SigV4 POST policies for browser form uploads (Uppy sends small files this way), which the AWS
 * SDK for Java cannot sign. The policy binds what a presigned PUT binds — the exact key, type,
 * metadata, ACL and checksum — and a size range in place of one exact length, because a form is
 * not held to a {@code Content-Length} header.
 *
 * <p>Every form field gets an exact condition, so a form with one field changed, dropped or added
 * is refused by the store (S3 requires every field but the signature, policy and file to be
 * covered). The bucket is always a condition too: S3 tolerates its absence, S3Proxy does not.
 *
 * <p>Thread-safe. The daily signing key and the bucket URL come from a {@link QuerySigner} made
 * for the same bucket, so POST forms and presigned URLs are signed by the same key derivation;
 * credentials are resolved on every call, as there.
 */
public final class PostPolicySigner {
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  /** The format of S3's own examples ("2015-12-30T12:00:00.000Z"). */
  private static final DateTimeFormatter EXPIRATION =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final QuerySigner keys;
  private final String bucket;
  private final AwsCredentialsProvider credentials;
  private final Clock clock;

  /**
   * @param objectUrlBase the URL of the object with the empty key in this bucket, as for
   *     {@link QuerySigner}; the form is POSTed to it
   * @param bucket the bucket's name, which the policy names (it cannot be read back from a
   *     virtual-host URL reliably)
   */
  public PostPolicySigner(URI objectUrlBase, String bucket, String region,
      AwsCredentialsProvider credentials, Clock clock) {
    this.keys = new QuerySigner(objectUrlBase, region, credentials, clock);
    this.bucket = bucket;
    this.credentials = credentials;
    this.clock = clock;
  }

  /** The form that uploads exactly {@code spec}, signed now. */
  public PresignedPost presignPost(PostSpec spec) {
    long expires = spec.expiry().getSeconds();
    if (expires < 1 || expires > QuerySigner.MAX_EXPIRY.getSeconds()) {
      throw new IllegalArgumentException("expected an expiry of 1 s to 7 days but was "
          + spec.expiry());
    }
    AwsCredentialsIdentity identity = credentials.resolveCredentials();
    long now = clock.instant().getEpochSecond();
    String amzDate = QuerySigner.amzDate(now);
    QuerySigner.SigningKey signing = keys.signingKey(identity, amzDate.substring(0, 8));
    Instant expiresAt = Instant.ofEpochSecond(now + expires);

    Map<String, String> fields = new LinkedHashMap<>();
    fields.put("key", spec.key());
    fields.put("Content-Type", spec.contentType());
    spec.contentDisposition().ifPresent(d -> fields.put("Content-Disposition", d));
    if (spec.publicRead()) {
      fields.put("acl", "public-read");
    }
    spec.metadata().forEach((name, value) ->
        fields.put("x-amz-meta-" + name.toLowerCase(Locale.ROOT), value));
    spec.checksumSha256().ifPresent(checksum -> fields.put("x-amz-checksum-sha256", checksum));
    fields.put("x-amz-algorithm", ALGORITHM);
    fields.put("x-amz-credential", identity.accessKeyId() + "/" + signing.scope());
    fields.put("x-amz-date", amzDate);
    if (identity instanceof AwsSessionCredentialsIdentity session) {
      fields.put("x-amz-security-token", session.sessionToken());
    }

    StringBuilder policy = new StringBuilder(1024);
    policy.append("{\"expiration\":\"").append(EXPIRATION.format(expiresAt))
        .append("\",\"conditions\":[");
    condition(policy, "bucket", bucket);
    fields.forEach((name, value) -> {
      policy.append(',');
      condition(policy, name, value);
    });
    policy.append(",[\"content-length-range\",").append(spec.minSize()).append(',')
        .append(spec.maxSize()).append("]]}");
    String encoded = Base64.getEncoder().encodeToString(
        policy.toString().getBytes(StandardCharsets.UTF_8));
    fields.put("policy", encoded);
    fields.put("x-amz-signature", signature(encoded, signing));
    return new PresignedPost(keys.base(), fields, expiresAt);
  }

  /**
   * The signature of an encoded policy with the key of the clock's current date: HMAC-SHA256 of
   * the base64 text itself (not of the JSON it encodes), in lower-case hex.
   */
  String signature(String base64Policy) {
    AwsCredentialsIdentity identity = credentials.resolveCredentials();
    String date = QuerySigner.amzDate(clock.instant().getEpochSecond()).substring(0, 8);
    return signature(base64Policy, keys.signingKey(identity, date));
  }

  private static String signature(String base64Policy, QuerySigner.SigningKey signing) {
    Mac mac = QuerySigner.HMAC.get();
    try {
      mac.init(signing.key());
    } catch (java.security.InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 refused a 32-byte key", e);
    }
    byte[] signature = mac.doFinal(base64Policy.getBytes(StandardCharsets.US_ASCII));
    StringBuilder hex = new StringBuilder(64);
    QuerySigner.hex(hex, signature);
    return hex.toString();
  }

  /** An exact-match condition in its object form, {"name":"value"}. */
  private static void condition(StringBuilder policy, String name, String value) {
    policy.append('{');
    jsonString(policy, name);
    policy.append(':');
    jsonString(policy, value);
    policy.append('}');
  }

  /**
   * A JSON string literal. Keys and file names reach the policy, so quotes, backslashes and
   * control characters are escaped; other characters go as they are, UTF-8 in the encoded policy,
   * as the form sends them.
   */
  private static void jsonString(StringBuilder out, String value) {
    out.append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    out.append('"');
  }
}
