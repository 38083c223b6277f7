package dev.directupload.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.directupload.testing.MutableClock;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;
import software.amazon.awssdk.services.s3.presigner.model.PresignedPutObjectRequest;

/**
 * Our signer produces, byte for byte, the URL and signed headers of the SDK's S3Presigner, for
 * random keys, metadata, checksums, ACLs, expiries, regions, endpoints, addressing styles,
 * session tokens and download overrides.
 *
 * <p>The SDK presigner cannot be given a clock, so each comparison reads the signing time from
 * the SDK's own {@code X-Amz-Date} and sets our signer's clock to it: both then sign the same
 * instant, and the whole URL (signature included) must be equal. One signer per configuration
 * serves every case of it, so the cached daily key is exercised too. The seed is printed; rerun
 * one with {@code -Dsigner.seed=N}.
 */
class QuerySignerDifferentialTest {
  private static final int CASES_PER_CONFIGURATION = 120;
  private static final DateTimeFormatter AMZ_DATE =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final List<String> REGIONS = List.of("us-east-1", "eu-west-3",
      "ap-southeast-2", "cn-north-1", "us-gov-west-1", "sa-east-1");
  private static final List<Optional<String>> ENDPOINTS = List.of(Optional.empty(),
      Optional.of("http://127.0.0.1:9000"), Optional.of("https://s3.example.com"),
      Optional.of("http://localhost:8080"), Optional.of("https://minio.internal:9443"),
      Optional.of("https://s3.example.com:443"), Optional.of("http://127.0.0.1:80"));
  private static final List<String> BUCKETS = List.of("test-bucket", "b0-uploads",
      "my.dotted.bucket");
  /** Characters keys are drawn from: every class S3 keys may hold, and the awkward ones. */
  private static final String[] KEY_PIECES = {"a", "Z", "0", "9", "-", "_", ".", "~", " ", "+",
      "%", "/", "//", "*", "!", "'", "(", ")", "&", "$", "@", "=", ";", ":", ",", "?", "#", "[",
      "]", "{", "}", "^", "`", "|", "\\", "\"", "<", ">", "\t", "\u0001", "\u007f", "é", "ß",
      "日本語", "😀", "e\u0301", "\u00a0", "\u2028", "Ω", "%20", "%2F", "./", "../", "uploads/"};
  private static final String[] CONTENT_TYPES = {"text/plain", "application/octet-stream",
      "image/png", "text/plain; charset=utf-8", "text/plain;  charset=\"utf-8\"",
      " application/json ", "multipart/mixed;\tboundary=x", "video/mp4", "text/plain; name=\"é\""};

  @Test
  void leanUrlsAndHeadersEqualTheSdkPresignerForRandomRequests() {
    long seed = Long.getLong("signer.seed", System.nanoTime());
    System.out.println("QuerySignerDifferentialTest seed " + seed
        + " (rerun with -Dsigner.seed=" + seed + ")");
    Random random = new Random(seed);
    int compared = 0;
    for (String region : REGIONS) {
      for (Optional<String> endpoint : ENDPOINTS) {
        for (boolean pathStyle : new boolean[] {true, false}) {
          String bucket = BUCKETS.get(random.nextInt(BUCKETS.size()));
          AwsCredentials credentials = random.nextBoolean()
              ? AwsSessionCredentials.create(word(random, 20), word(random, 40),
                  token(random))
              : AwsBasicCredentials.create(word(random, 20), word(random, 40));
          compared += compare(random, seed, region, endpoint, pathStyle, bucket, credentials);
        }
      }
    }
    System.out.println("QuerySignerDifferentialTest compared " + compared + " presigns");
  }

  private static int compare(Random random, long seed, String region, Optional<String> endpoint,
      boolean pathStyle, String bucket, AwsCredentials credentials) {
    S3Configuration config = S3Configuration.builder().pathStyleAccessEnabled(pathStyle).build();
    StaticCredentialsProvider provider = StaticCredentialsProvider.create(credentials);
    var presignerBuilder = S3Presigner.builder().region(Region.of(region))
        .serviceConfiguration(config).credentialsProvider(provider);
    var clientBuilder = S3Client.builder().region(Region.of(region))
        .serviceConfiguration(config).credentialsProvider(provider);
    endpoint.map(URI::create).ifPresent(e -> {
      presignerBuilder.endpointOverride(e);
      clientBuilder.endpointOverride(e);
    });
    MutableClock clock = new MutableClock(Instant.EPOCH);
    int n = 0;
    try (S3Presigner sdk = presignerBuilder.build(); S3Client client = clientBuilder.build()) {
      QuerySigner lean = new QuerySigner(S3ObjectStore.objectUrlBase(client, bucket), region,
          provider, clock);
      for (int i = 0; i < CASES_PER_CONFIGURATION; i++, n++) {
        String where = "seed " + seed + ", " + region + " " + endpoint + " pathStyle="
            + pathStyle + " bucket=" + bucket + ", case " + i;
        int kind = random.nextInt(8);
        if (kind < 2) {
          compareGet(random, sdk, lean, clock, bucket, where);
        } else if (kind == 2) {
          comparePart(random, sdk, lean, clock, bucket, where);
        } else {
          comparePut(random, sdk, lean, clock, bucket, where);
        }
      }
    }
    return n;
  }

  private static void comparePut(Random random, S3Presigner sdk, QuerySigner lean,
      MutableClock clock, String bucket, String where) {
    String key = key(random);
    String contentType = CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)];
    long size = random.nextInt(3) == 0 ? random.nextInt(10) : (random.nextLong() >>> 31);
    Optional<String> checksum = random.nextBoolean() ? Optional.of(checksum(random))
        : Optional.empty();
    Map<String, String> metadata = metadata(random);
    boolean publicRead = random.nextBoolean();
    boolean writeOnce = random.nextBoolean();
    Optional<String> disposition = random.nextInt(4) == 0 ? Optional.of("attachment")
        : Optional.empty();
    Duration expiry = expiry(random);
    PutObjectRequest.Builder put = PutObjectRequest.builder().bucket(bucket).key(key)
        .contentType(contentType).contentLength(size).metadata(metadata);
    checksum.ifPresent(put::checksumSHA256);
    disposition.ifPresent(put::contentDisposition);
    if (writeOnce) {
      put.ifNoneMatch("*");
    }
    if (publicRead) {
      put.acl(ObjectCannedACL.PUBLIC_READ);
    }
    PresignedPutObjectRequest expected = sdk.presignPutObject(
        r -> r.signatureDuration(expiry).putObjectRequest(put.build()));
    clock.set(signingTime(expected.url().toString()));
    PresignedPut actual = lean.presignPut(new PutSpec(key, contentType, size, checksum, metadata,
        publicRead, expiry, disposition, writeOnce));

    String context = where + ", PUT key=" + printable(key) + " type=" + printable(contentType)
        + " metadata=" + metadata + " expiry=" + expiry + " writeOnce=" + writeOnce
        + " disposition=" + disposition;
    assertEquals(expected.url().toString(), actual.url(), context);
    URI.create(actual.url()); // a valid URI, as the browser and java.net need
    Map<String, String> expectedHeaders = new LinkedHashMap<>();
    expected.signedHeaders().forEach((name, values) -> {
      if (!name.equals("host") && !name.equals("content-length")) {
        expectedHeaders.put(name, String.join(",", values));
      }
    });
    assertEquals(expectedHeaders, actual.headers(), context);
    assertEquals(expected.expiration().truncatedTo(java.time.temporal.ChronoUnit.SECONDS),
        actual.expiresAt(), context);
  }

  private static void comparePart(Random random, S3Presigner sdk, QuerySigner lean,
      MutableClock clock, String bucket, String where) {
    String key = key(random);
    // Upload ids are the store's: S3's are long base64-ish strings, others use any characters.
    String uploadId = random.nextBoolean() ? word(random, 1 + random.nextInt(120)) : key(random);
    int partNumber = 1 + random.nextInt(10_000);
    long size = (5L << 20) + (random.nextLong() >>> 33);
    String checksum = checksum(random);
    Duration expiry = expiry(random);
    var expected = sdk.presignUploadPart(r -> r.signatureDuration(expiry).uploadPartRequest(
        p -> p.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber)
            .contentLength(size).checksumSHA256(checksum)));
    clock.set(signingTime(expected.url().toString()));
    PresignedPut actual = lean.presignPart(new PartSpec(key, uploadId, partNumber, size,
        Optional.of(checksum), expiry));
    String context = where + ", part " + partNumber + " key=" + printable(key) + " uploadId="
        + printable(uploadId) + " expiry=" + expiry;
    assertEquals(expected.url().toString(), actual.url(), context);
    Map<String, String> expectedHeaders = new LinkedHashMap<>();
    expected.signedHeaders().forEach((name, values) -> {
      if (!name.equals("host") && !name.equals("content-length")) {
        expectedHeaders.put(name, String.join(",", values));
      }
    });
    assertEquals(expectedHeaders, actual.headers(), context);
  }

  private static void compareGet(Random random, S3Presigner sdk, QuerySigner lean,
      MutableClock clock, String bucket, String where) {
    String key = key(random);
    String disposition = random.nextInt(5) == 0 ? null
        : "attachment; filename=\"" + key.replace("\"", "") + "\"; filename*=UTF-8''"
            + QuerySigner.encode(key, false);
    String type = random.nextInt(3) == 0 ? null
        : CONTENT_TYPES[random.nextInt(CONTENT_TYPES.length)].strip();
    Duration expiry = expiry(random);
    GetObjectRequest get = GetObjectRequest.builder().bucket(bucket).key(key)
        .responseContentDisposition(disposition).responseContentType(type).build();
    String expected = sdk.presignGetObject(r -> r.signatureDuration(expiry).getObjectRequest(get))
        .url().toString();
    clock.set(signingTime(expected));
    String actual = lean.presignGet(key, disposition, type, expiry).toString();
    assertEquals(expected, actual, where + ", GET key=" + printable(key) + " disposition="
        + printable(String.valueOf(disposition)) + " type=" + type + " expiry=" + expiry);
  }

  private static Instant signingTime(String url) {
    int at = url.indexOf("X-Amz-Date=") + "X-Amz-Date=".length();
    return Instant.from(AMZ_DATE.parse(url.substring(at, at + 16)));
  }

  private static String key(Random random) {
    StringBuilder key = new StringBuilder();
    int pieces = 1 + random.nextInt(random.nextInt(10) == 0 ? 200 : 20);
    for (int i = 0; i < pieces; i++) {
      key.append(KEY_PIECES[random.nextInt(KEY_PIECES.length)]);
    }
    return key.toString();
  }

  private static Map<String, String> metadata(Random random) {
    Map<String, String> metadata = new LinkedHashMap<>();
    int count = random.nextInt(5);
    String nameChars = "abcdefghijklmnopqrstuvwxyz0123456789-_ABCXYZ";
    for (int i = 0; i < count; i++) {
      StringBuilder name = new StringBuilder();
      for (int j = 1 + random.nextInt(12); j > 0; j--) {
        name.append(nameChars.charAt(random.nextInt(nameChars.length())));
      }
      StringBuilder value = new StringBuilder();
      for (int j = random.nextInt(30); j > 0; j--) {
        int kind = random.nextInt(10);
        value.append(kind == 0 ? ' ' : kind == 1 ? '\t' : (char) (0x21 + random.nextInt(0x5e)));
      }
      // Names differing only by case would be one header; S3 metadata names are lower case.
      String lower = name.toString().toLowerCase(java.util.Locale.ROOT);
      if (metadata.keySet().stream().noneMatch(n -> n.equalsIgnoreCase(lower))) {
        metadata.put(name.toString(), value.toString());
      }
    }
    return metadata;
  }

  private static Duration expiry(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> Duration.ofSeconds(1);
      case 1 -> Duration.ofDays(7);
      case 2 -> Duration.ofMinutes(15);
      default -> Duration.ofSeconds(1 + random.nextInt(7 * 24 * 3600));
    };
  }

  private static String checksum(Random random) {
    byte[] digest = new byte[32];
    random.nextBytes(digest);
    return Base64.getEncoder().encodeToString(digest);
  }

  private static String word(Random random, int length) {
    String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    StringBuilder word = new StringBuilder();
    for (int i = 0; i < length; i++) {
      word.append(chars.charAt(random.nextInt(chars.length())));
    }
    return word.toString();
  }

  private static String token(Random random) {
    return word(random, 100 + random.nextInt(300)) + "==";
  }

  private static String printable(String s) {
    StringBuilder out = new StringBuilder();
    s.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f || c > 0x7e) {
        out.append(String.format("\\u{%x}", c));
      } else {
        out.appendCodePoint(c);
      }
    });
    return out.toString();
  }
}
