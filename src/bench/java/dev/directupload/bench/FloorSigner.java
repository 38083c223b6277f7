package dev.directupload.bench;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The floor the issue measures against: a plain SigV4 query signer for one fixed request shape
 * with the daily signing key cached and every constant part precomputed. Each call still encodes
 * the key, builds the canonical request, hashes it, HMACs the string to sign and builds the URL:
 * the work no presigner can skip. Not a product signer (no general headers, no credentials
 * rotation), only the measuring stick.
 */
final class FloorSigner {
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private final byte[] signingKey;
  private final String credential;
  private final String scope;
  private final Mac mac;
  private final MessageDigest sha;
  private final String date;

  FloorSigner(Instant day) throws Exception {
    date = AMZ_DATE.format(day).substring(0, 8);
    mac = Mac.getInstance("HmacSHA256");
    sha = MessageDigest.getInstance("SHA-256");
    byte[] k = ("AWS4" + Fixtures.SECRET_KEY).getBytes(StandardCharsets.UTF_8);
    for (String part : new String[] {date, Fixtures.REGION, "s3", "aws4_request"}) {
      mac.init(new SecretKeySpec(k, "HmacSHA256"));
      k = mac.doFinal(part.getBytes(StandardCharsets.UTF_8));
    }
    signingKey = k;
    scope = date + "/" + Fixtures.REGION + "/s3/aws4_request";
    credential = Fixtures.ACCESS_KEY + "%2F" + scope.replace("/", "%2F");
  }

  String sign(String key, String contentType, long size, String checksum, String[] metaNames,
      String[] metaValues, long epochSecond, long expires) throws Exception {
    String amzDate = AMZ_DATE.format(Instant.ofEpochSecond(epochSecond));
    String path = "/" + Fixtures.BUCKET + "/" + java.net.URLEncoder.encode(key,
        StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/").replace("*", "%2A")
        .replace("%7E", "~");
    StringBuilder headers = new StringBuilder();
    StringBuilder signed = new StringBuilder("content-length;content-type;host;x-amz-checksum-sha256");
    headers.append("content-length:").append(size).append('\n')
        .append("content-type:").append(contentType).append('\n')
        .append("host:127.0.0.1:9000\n")
        .append("x-amz-checksum-sha256:").append(checksum).append('\n');
    for (int i = 0; i < metaNames.length; i++) {
      headers.append("x-amz-meta-").append(metaNames[i]).append(':').append(metaValues[i])
          .append('\n');
      signed.append(";x-amz-meta-").append(metaNames[i]);
    }
    String signedHeaders = signed.toString();
    String query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + credential
        + "&X-Amz-Date=" + amzDate + "&X-Amz-Expires=" + expires + "&X-Amz-SignedHeaders="
        + signedHeaders.replace(";", "%3B");
    String canonical = "PUT\n" + path + "\n" + query + "\n" + headers + "\n" + signedHeaders
        + "\nUNSIGNED-PAYLOAD";
    String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
        + hex(sha.digest(canonical.getBytes(StandardCharsets.UTF_8)));
    mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
    return Fixtures.ENDPOINT + path + "?" + query + "&X-Amz-Signature="
        + hex(mac.doFinal(toSign.getBytes(StandardCharsets.UTF_8)));
  }

  private static String hex(byte[] bytes) {
    StringBuilder out = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      out.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
    }
    return out.toString();
  }
}
