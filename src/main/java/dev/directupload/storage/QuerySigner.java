package dev.directupload.storage;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * SigV4 query-string presigning for S3 PUT and GET, producing exactly the URL and signed headers
 * of the SDK's {@code S3Presigner} (proven by {@code QuerySignerDifferentialTest}) at a small
 * fraction of its cost: the endpoint is resolved once (by the SDK, at construction), the daily
 * signing key is derived once per date and credentials, and each presign is one canonical
 * request, one SHA-256 and two HMACs.
 *
 * <p>Thread-safe. Credentials are resolved from the provider on every call (providers cache
 * them), so rotated role credentials are picked up by the next presign; the cached signing key is
 * re-derived whenever the date, the access key or the secret differs from the one it was made for.
 */
final class QuerySigner {
  /** S3 refuses a presigned URL valid for longer, and so does the SDK's presigner. */
  static final Duration MAX_EXPIRY = Duration.ofDays(7);
  private static final String ALGORITHM = "AWS4-HMAC-SHA256";
  private static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final char[] HEX_UPPER = "0123456789ABCDEF".toCharArray();

  /** Shared with {@link PostPolicySigner}, which signs with the same daily keys. */
  static final ThreadLocal<Mac> HMAC = ThreadLocal.withInitial(() -> {
    try {
      return Mac.getInstance("HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is missing from this JVM", e);
    }
  });
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  });

  /** Scheme, authority and path up to the key, already encoded ("http://h:9/bucket/"). */
  private final String base;
  /** The encoded path up to the key, as it appears in the canonical request ("/bucket/"). */
  private final String basePath;
  private final String host;
  private final String region;
  private final AwsCredentialsProvider credentials;
  private final Clock clock;
  private volatile SigningKey signingKey;

  /**
   * @param objectUrlBase the URL of the object with the empty key in this bucket, as the SDK
   *     resolves it (endpoint override, path or virtual-host style, partition)
   */
  QuerySigner(URI objectUrlBase, String region, AwsCredentialsProvider credentials, Clock clock) {
    String raw = objectUrlBase.toString();
    if (!raw.endsWith("/") || objectUrlBase.getRawQuery() != null) {
      throw new IllegalArgumentException("expected a base URL ending in '/' without a query but"
          + " was " + raw);
    }
    this.base = raw;
    this.basePath = objectUrlBase.getRawPath();
    // The authority as written, not getHost(): a virtual-host name such as
    // "my.bucket.127.0.0.1:9000" is no valid server name for java.net.URI, yet it is what the
    // SDK resolves and signs.
    String authority = objectUrlBase.getRawAuthority();
    String scheme = objectUrlBase.getScheme().toLowerCase(java.util.Locale.ROOT);
    if ((scheme.equals("http") && authority.endsWith(":80"))
        || (scheme.equals("https") && authority.endsWith(":443"))) {
      authority = authority.substring(0, authority.lastIndexOf(':'));
    }
    this.host = authority;
    this.region = region;
    this.credentials = credentials;
    this.clock = clock;
  }

  /** The object URL with the empty key: the bucket's URL, ending in '/', already encoded. */
  String base() {
    return base;
  }

  /** A signed PUT of {@code spec}: the URL, the headers to send (all signed ones but host and length). */
  PresignedPut presignPut(PutSpec spec) {
    // Canonical headers sorted by (lower-case) name: the fixed ones sort before x-amz-meta-*.
    int metaCount = spec.metadata().size();
    String[] metaNames = new String[metaCount];
    int i = 0;
    for (String name : spec.metadata().keySet()) {
      metaNames[i++] = name;
    }
    String[] metaHeaders = new String[metaCount];
    for (i = 0; i < metaCount; i++) {
      metaHeaders[i] = "x-amz-meta-" + metaNames[i].toLowerCase(java.util.Locale.ROOT);
    }
    // Insertion sort: a handful of entries, and no boxing.
    int[] order = new int[metaCount];
    for (i = 0; i < metaCount; i++) {
      int j = i;
      while (j > 0 && metaHeaders[order[j - 1]].compareTo(metaHeaders[i]) > 0) {
        order[j] = order[j - 1];
        j--;
      }
      order[j] = i;
    }

    Map<String, String> toSend = new LinkedHashMap<>();
    StringBuilder canonicalHeaders = new StringBuilder(256);
    StringBuilder signedHeaders = new StringBuilder(128);
    if (spec.contentDisposition().isPresent()) {
      String disposition = spec.contentDisposition().get();
      header(canonicalHeaders, signedHeaders, "content-disposition", disposition);
      toSend.put("content-disposition", disposition);
    }
    header(canonicalHeaders, signedHeaders, "content-length", Long.toString(spec.size()));
    header(canonicalHeaders, signedHeaders, "content-type", spec.contentType());
    toSend.put("content-type", spec.contentType());
    header(canonicalHeaders, signedHeaders, "host", host);
    if (spec.writeOnce()) {
      header(canonicalHeaders, signedHeaders, "if-none-match", "*");
      toSend.put("if-none-match", "*");
    }
    if (spec.publicRead()) {
      header(canonicalHeaders, signedHeaders, "x-amz-acl", "public-read");
      toSend.put("x-amz-acl", "public-read");
    }
    if (spec.checksumSha256().isPresent()) {
      String checksum = spec.checksumSha256().get();
      header(canonicalHeaders, signedHeaders, "x-amz-checksum-sha256", checksum);
      toSend.put("x-amz-checksum-sha256", checksum);
    }
    for (int k : order) {
      String value = spec.metadata().get(metaNames[k]);
      header(canonicalHeaders, signedHeaders, metaHeaders[k], value);
      toSend.put(metaHeaders[k], value);
    }
    Signed signed = sign("PUT", spec.key(), canonicalHeaders, signedHeaders.toString(), null,
        null, null, spec.expiry());
    return new PresignedPut(signed.url, toSend, signed.expiresAt);
  }

  /**
   * A signed UploadPart: the URL binds the part's exact length and SHA-256, so the store refuses
   * a short, long or corrupted part.
   */
  PresignedPut presignPart(PartSpec spec) {
    StringBuilder canonicalHeaders = new StringBuilder(160);
    StringBuilder signedHeaders = new StringBuilder(64);
    if (spec.size() != PartSpec.ANY_SIZE) {
      header(canonicalHeaders, signedHeaders, "content-length", Long.toString(spec.size()));
    }
    header(canonicalHeaders, signedHeaders, "host", host);
    spec.checksumSha256().ifPresent(checksum ->
        header(canonicalHeaders, signedHeaders, "x-amz-checksum-sha256", checksum));
    // Sorted as the canonical query wants them: "partNumber" < "uploadId".
    String partQuery = "partNumber=" + spec.partNumber()
        + "&uploadId=" + encode(spec.uploadId(), false);
    Signed signed = sign("PUT", spec.key(), canonicalHeaders, signedHeaders.toString(), null,
        null, partQuery, spec.expiry());
    return new PresignedPut(signed.url, spec.checksumSha256()
        .map(checksum -> Map.of("x-amz-checksum-sha256", checksum)).orElse(Map.of()),
        signed.expiresAt);
  }

  /** A signed GET with optional response overrides (null: not sent). */
  URI presignGet(String key, String contentDisposition, String contentType, Duration expiry) {
    StringBuilder canonicalHeaders = new StringBuilder(64);
    StringBuilder signedHeaders = new StringBuilder(8);
    header(canonicalHeaders, signedHeaders, "host", host);
    return URI.create(sign("GET", key, canonicalHeaders, signedHeaders.toString(),
        contentDisposition, contentType, null, expiry).url);
  }

  private record Signed(String url, Instant expiresAt) {}

  /**
   * @param subresource the operation's own query parameters, encoded and sorted
   *     ("partNumber=2&uploadId=..."), or null; they sort after every X-Amz-* parameter, and are
   *     never combined with the response-* ones
   */
  private Signed sign(String method, String key, StringBuilder canonicalHeaders,
      String signedHeaders, String disposition, String responseType, String subresource,
      Duration expiry) {
    long expires = expiry.getSeconds();
    if (expires < 1 || expires > MAX_EXPIRY.getSeconds()) {
      throw new IllegalArgumentException("expected an expiry of 1 s to 7 days but was " + expiry);
    }
    AwsCredentialsIdentity identity = credentials.resolveCredentials();
    String token = identity instanceof AwsSessionCredentialsIdentity session
        ? session.sessionToken() : null;
    Instant now = clock.instant();
    long epochSecond = now.getEpochSecond();
    String amzDate = amzDate(epochSecond);
    String date = amzDate.substring(0, 8);
    SigningKey signing = signingKey(identity, date);

    String encodedKey = encode(key, true);
    StringBuilder query = new StringBuilder(512);
    query.append("X-Amz-Algorithm=").append(ALGORITHM)
        .append("&X-Amz-Credential=").append(signing.encodedCredential)
        .append("&X-Amz-Date=").append(amzDate)
        .append("&X-Amz-Expires=").append(expires);
    String encodedToken = token == null ? null : encode(token, false);
    if (encodedToken != null) {
      query.append("&X-Amz-Security-Token=").append(encodedToken);
    }
    String encodedSignedHeaders = encode(signedHeaders, false);
    query.append("&X-Amz-SignedHeaders=").append(encodedSignedHeaders);
    String encodedDisposition = disposition == null ? null : encode(disposition, false);
    String encodedType = responseType == null ? null : encode(responseType, false);
    if (encodedDisposition != null) {
      query.append("&response-content-disposition=").append(encodedDisposition);
    }
    if (encodedType != null) {
      query.append("&response-content-type=").append(encodedType);
    }
    if (subresource != null) {
      query.append('&').append(subresource);
    }

    StringBuilder canonical = new StringBuilder(1024);
    canonical.append(method).append('\n')
        .append(basePath).append(encodedKey).append('\n')
        .append(query).append('\n')
        .append(canonicalHeaders).append('\n')
        .append(signedHeaders).append('\n')
        .append(UNSIGNED_PAYLOAD);
    byte[] canonicalHash = sha256(canonical);

    StringBuilder toSign = new StringBuilder(160);
    toSign.append(ALGORITHM).append('\n').append(amzDate).append('\n')
        .append(signing.scope).append('\n');
    hex(toSign, canonicalHash);
    Mac mac = HMAC.get();
    try {
      mac.init(signing.key);
    } catch (java.security.InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 refused a 32-byte key", e);
    }
    mac.update(ascii(toSign), 0, toSign.length());
    byte[] signature = mac.doFinal();

    // The SDK's parameter order in the URL (the canonical order above is sorted instead).
    StringBuilder url = new StringBuilder(base.length() + encodedKey.length() + 600);
    url.append(base).append(encodedKey).append('?');
    if (subresource != null) {
      url.append(subresource).append('&');
    }
    if (encodedDisposition != null) {
      url.append("response-content-disposition=").append(encodedDisposition).append('&');
    }
    if (encodedType != null) {
      url.append("response-content-type=").append(encodedType).append('&');
    }
    if (encodedToken != null) {
      url.append("X-Amz-Security-Token=").append(encodedToken).append('&');
    }
    url.append("X-Amz-Algorithm=").append(ALGORITHM)
        .append("&X-Amz-Date=").append(amzDate)
        .append("&X-Amz-SignedHeaders=").append(encodedSignedHeaders)
        .append("&X-Amz-Credential=").append(signing.encodedCredential)
        .append("&X-Amz-Expires=").append(expires)
        .append("&X-Amz-Signature=");
    hex(url, signature);
    return new Signed(url.toString(), Instant.ofEpochSecond(epochSecond + expires));
  }

  /**
   * SHA-256 of the UTF-8 bytes of {@code text}. The canonical request is ASCII but for unusual
   * header values (everything else in it is percent-encoded), so it is hashed straight from a
   * per-thread buffer, without the two copies of {@code toString().getBytes()}.
   */
  private static byte[] sha256(StringBuilder text) {
    MessageDigest sha = SHA256.get();
    if (isAscii(text)) {
      sha.update(ascii(text), 0, text.length());
      return sha.digest();
    }
    return sha.digest(text.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static boolean isAscii(CharSequence text) {
    for (int i = 0, n = text.length(); i < n; i++) {
      if (text.charAt(i) >= 0x80) {
        return false;
      }
    }
    return true;
  }

  private static final ThreadLocal<byte[][]> BUFFER = ThreadLocal.withInitial(() -> new byte[1][]);

  /** The ASCII text's bytes in a per-thread buffer (valid until the next call on this thread). */
  private static byte[] ascii(CharSequence text) {
    byte[][] holder = BUFFER.get();
    int n = text.length();
    if (holder[0] == null || holder[0].length < n) {
      holder[0] = new byte[Math.max(n, 2048)];
    }
    byte[] buffer = holder[0];
    for (int i = 0; i < n; i++) {
      buffer[i] = (byte) text.charAt(i);
    }
    return buffer;
  }

  /** The cached key when it was made for this date and these credentials, else a fresh one. */
  SigningKey signingKey(AwsCredentialsIdentity identity, String date) {
    SigningKey cached = signingKey;
    if (cached != null && cached.date.equals(date)
        && cached.accessKeyId.equals(identity.accessKeyId())
        && cached.secret.equals(identity.secretAccessKey())) {
      return cached;
    }
    SigningKey fresh = derive(identity, date);
    signingKey = fresh;
    return fresh;
  }

  private SigningKey derive(AwsCredentialsIdentity identity, String date) {
    Mac mac = HMAC.get();
    byte[] key = ("AWS4" + identity.secretAccessKey()).getBytes(StandardCharsets.UTF_8);
    key = hmac(mac, key, date);
    key = hmac(mac, key, region);
    key = hmac(mac, key, "s3");
    key = hmac(mac, key, "aws4_request");
    String scope = date + "/" + region + "/s3/aws4_request";
    return new SigningKey(date, identity.accessKeyId(), identity.secretAccessKey(),
        new SecretKeySpec(key, "HmacSHA256"), scope,
        encode(identity.accessKeyId() + "/" + scope, false));
  }

  private static byte[] hmac(Mac mac, byte[] key, String data) {
    try {
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
    } catch (java.security.InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 refused a key", e);
    }
    return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * The daily key and what it was derived from. It keeps a reference to the secret string the
   * provider already holds (no copy), so a rotated secret is noticed by a plain comparison.
   */
  record SigningKey(String date, String accessKeyId, String secret,
      SecretKeySpec key, String scope, String encodedCredential) {}

  /** Canonical header line and signed-header list entry; the value trimmed and collapsed as SigV4 says. */
  private static void header(StringBuilder canonical, StringBuilder signed, String name,
      String value) {
    canonical.append(name).append(':');
    int start = canonical.length();
    boolean previousWhitespace = false;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (isWhitespace(c)) {
        if (!previousWhitespace && canonical.length() > start) {
          canonical.append(' ');
        }
        previousWhitespace = true;
      } else {
        canonical.append(c);
        previousWhitespace = false;
      }
    }
    if (canonical.length() > start && canonical.charAt(canonical.length() - 1) == ' ') {
      canonical.setLength(canonical.length() - 1);
    }
    canonical.append('\n');
    if (signed.length() > 0) {
      signed.append(';');
    }
    signed.append(name);
  }

  /** The whitespace the SDK's canonicalization collapses. */
  private static boolean isWhitespace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\r' || c == '\f';
  }

  /** "yyyyMMdd'T'HHmmss'Z'" in UTC, without a formatter's allocations. */
  static String amzDate(long epochSecond) {
    LocalDateTime t = LocalDateTime.ofEpochSecond(epochSecond, 0, ZoneOffset.UTC);
    char[] c = new char[16];
    int year = t.getYear();
    c[0] = (char) ('0' + year / 1000);
    c[1] = (char) ('0' + year / 100 % 10);
    c[2] = (char) ('0' + year / 10 % 10);
    c[3] = (char) ('0' + year % 10);
    two(c, 4, t.getMonthValue());
    two(c, 6, t.getDayOfMonth());
    c[8] = 'T';
    two(c, 9, t.getHour());
    two(c, 11, t.getMinute());
    two(c, 13, t.getSecond());
    c[15] = 'Z';
    return new String(c);
  }

  private static void two(char[] c, int at, int value) {
    c[at] = (char) ('0' + value / 10);
    c[at + 1] = (char) ('0' + value % 10);
  }

  /**
   * RFC 3986 percent-encoding of the UTF-8 bytes, keeping only unreserved characters (and '/'
   * when {@code keepSlash}), as SigV4 and the SDK's S3 marshaller do.
   */
  static String encode(String value, boolean keepSlash) {
    int n = value.length();
    int i = 0;
    while (i < n && unreserved(value.charAt(i), keepSlash)) {
      i++;
    }
    if (i == n) {
      return value;
    }
    StringBuilder out = new StringBuilder(n + 16);
    out.append(value, 0, i);
    byte[] bytes = value.substring(i).getBytes(StandardCharsets.UTF_8);
    for (byte b : bytes) {
      char c = (char) (b & 0xff);
      if (unreserved(c, keepSlash)) {
        out.append(c);
      } else {
        out.append('%').append(HEX_UPPER[(b >> 4) & 0xf]).append(HEX_UPPER[b & 0xf]);
      }
    }
    return out.toString();
  }

  private static boolean unreserved(char c, boolean keepSlash) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '-' || c == '_' || c == '.' || c == '~' || (keepSlash && c == '/');
  }

  static void hex(StringBuilder out, byte[] bytes) {
    for (byte b : bytes) {
      out.append(HEX[(b >> 4) & 0xf]).append(HEX[b & 0xf]);
    }
  }
}
