package dev.directupload.config;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Everything the application is told at start-up, validated once. A record built by
 * {@link #load(SettingSource)} is always valid; nothing reads configuration anywhere else.
 *
 * @param bucket the bucket that receives the uploads
 * @param endpoint an S3-compatible endpoint (MinIO, R2, Ceph, S3Proxy); empty means AWS itself
 * @param region the signing region; empty means the AWS SDK's region chain, else us-east-1
 * @param pathStyle address the bucket as {@code endpoint/bucket} instead of {@code bucket.endpoint}
 * @param keyPrefix prepended to every object key, for example {@code uploads/}
 * @param maxFileSize the largest file a browser may upload, in bytes (up to 5 TiB)
 * @param multipartThreshold files of this size or more go up as multipart uploads
 * @param partSize the size of each part but the last, unless a file needs larger ones
 * @param allowedTypes lower-case media types; {@code image/*} allows a family, a lone star pair all
 * @param urlExpiry how long a presigned URL stays valid
 * @param publicRead sign {@code x-amz-acl: public-read} so objects are readable by URL
 * @param maxPending how many signed-but-unfinished uploads the index holds at most, in all: a
 *     bound on memory, not on any one caller
 * @param maxPendingPerUser how many unfinished uploads one user (or one anonymous caller's
 *     network) may have: one caller can never take everyone's room
 * @param publicOrigin the page's origin as browsers see it ({@code https://app.example.com}), for
 *     the CORS self-check; empty means the origin of each request
 * @param allowedOrigins other origins whose pages may call the state-changing API
 * @param rateLimit presigns per minute per user or address; 0 turns the limit off
 * @param storageTimeout how long one call to the store may take, retries included
 * @param authRole when set, the API requires an authenticated user in this role
 * @param indexRefresh how often the index reads what other instances over the same bucket
 *     completed or deleted; zero turns the reading off (a single instance)
 * @param writeOnce sign {@code If-None-Match: *} into every PUT, so the store refuses a second
 *     write to an upload's key while its URL lives
 * @param bodyTimeout how long a request body may take to arrive in full
 * @param checkpointInterval how often the index is written to a checkpoint in the bucket (when it
 *     changed and no instance wrote one meanwhile), so that a start reads one object instead of
 *     one per file; zero writes none
 * @param databaseUrl a PostgreSQL JDBC URL: the registry lives there instead of in the heap
 * @param databaseUser the database login; empty: the URL's
 * @param databasePassword its password; never logged
 * @param databasePoolSize connections each instance keeps open
 * @param databaseJndi the JNDI name of a {@code DataSource} the container provides, instead of
 *     {@code databaseUrl}
 * @param webhookUrl where events are POSTed (Standard Webhooks); empty: no events
 * @param webhookSecret {@code whsec_} and base64 of at least 24 bytes: signs webhooks and the
 *     pre-create hook's calls; never logged
 * @param webhookScanInterval how often the outbox is looked at for events to send again (and
 *     those of instances that stopped)
 * @param preCreateHookUrl asked before each upload is signed whether it may be; empty: no hook
 * @param preCreateHookTimeout how long the hook may take to answer
 * @param preCreateHookHeaders request headers passed on to the hook (lower-case)
 * @param ownerQuotaBytes bytes one owner may hold, completed and pending; 0: no limit
 * @param ownerQuotaFiles files one owner may hold, completed and pending; 0: no limit
 * @param metrics serve Prometheus metrics at {@code api/metrics}
 * @param metricsRole callers in this role may read the metrics
 * @param metricsAllowedAddresses networks (CIDR, or single addresses) that may read the metrics
 *     without a role; loopback by default
 */
public record Settings(
    String bucket,
    Optional<URI> endpoint,
    Optional<String> region,
    boolean pathStyle,
    String keyPrefix,
    long maxFileSize,
    long multipartThreshold,
    long partSize,
    List<String> allowedTypes,
    Duration urlExpiry,
    boolean publicRead,
    int maxPending,
    int maxPendingPerUser,
    Optional<String> publicOrigin,
    List<String> allowedOrigins,
    int rateLimit,
    Duration storageTimeout,
    Optional<String> authRole,
    Duration indexRefresh,
    boolean writeOnce,
    Duration bodyTimeout,
    Duration checkpointInterval,
    Optional<String> databaseUrl,
    String databaseUser,
    String databasePassword,
    int databasePoolSize,
    Optional<String> databaseJndi,
    Optional<URI> webhookUrl,
    Optional<String> webhookSecret,
    Duration webhookScanInterval,
    Optional<URI> preCreateHookUrl,
    Duration preCreateHookTimeout,
    List<String> preCreateHookHeaders,
    long ownerQuotaBytes,
    long ownerQuotaFiles,
    boolean metrics,
    Optional<String> metricsRole,
    List<String> metricsAllowedAddresses) {

  /** System properties and context parameters are named {@code direct-upload.<name>}. */
  public static final String PROPERTY_PREFIX = "direct-upload.";

  /** A single presigned PUT can carry at most 5 GiB: S3's own limit. */
  public static final long SINGLE_PUT_LIMIT = 5L << 30;
  public static final long DEFAULT_MAX_FILE_SIZE = SINGLE_PUT_LIMIT;
  /** The largest object S3 stores, and so the largest file a multipart upload can make. */
  public static final long MAX_OBJECT_SIZE = 5L << 40;
  /** S3 refuses parts smaller than 5 MiB, except the last one. */
  public static final long MIN_PART_SIZE = 5L << 20;
  /** S3 refuses parts larger than 5 GiB. */
  public static final long MAX_PART_SIZE = 5L << 30;
  /** S3 refuses part numbers above 10,000. */
  public static final int MAX_PARTS = 10_000;
  public static final long DEFAULT_MULTIPART_THRESHOLD = 64L << 20;
  public static final long DEFAULT_PART_SIZE = 16L << 20;
  public static final String DEFAULT_KEY_PREFIX = "uploads/";
  public static final Duration DEFAULT_URL_EXPIRY = Duration.ofMinutes(15);
  /** SigV4 presigned URLs are valid for at most seven days. */
  public static final Duration MAX_URL_EXPIRY = Duration.ofDays(7);
  /** About 70 MB of heap when full: the bound protects memory; fairness is per user. */
  public static final int DEFAULT_MAX_PENDING = 100_000;
  /** A folder of a hundred files dropped at once still goes up without waiting. */
  public static final int DEFAULT_MAX_PENDING_PER_USER = 100;
  /** A JSON body of at most 16 KiB that takes longer than this is not a client, it is an attack. */
  public static final Duration DEFAULT_BODY_TIMEOUT = Duration.ofSeconds(10);
  /** An hour of changes is what a start reads one by one at most: seconds, not minutes. */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofHours(1);

  /**
   * Safe by default: formats a browser will not run as a page. SVG and HTML are left out on
   * purpose (both can carry script); {@code application/x-zip-compressed} is what Windows
   * browsers report for .zip files, {@code image/heif} what Chromium reports for .heic photos.
   */
  public static final List<String> DEFAULT_ALLOWED_TYPES = List.of(
      "image/jpeg", "image/png", "image/gif", "image/webp", "image/avif", "image/heic",
      "image/heif",
      "application/pdf", "text/plain", "text/csv", "application/json",
      "application/zip", "application/x-zip-compressed",
      "video/mp4", "audio/mpeg",
      "application/msword",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      "application/vnd.ms-excel",
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
      "application/vnd.ms-powerpoint",
      "application/vnd.openxmlformats-officedocument.presentationml.presentation",
      "application/vnd.oasis.opendocument.text",
      "application/vnd.oasis.opendocument.spreadsheet",
      "application/vnd.oasis.opendocument.presentation");

  private static final Pattern BUCKET = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{1,61}[A-Za-z0-9]");
  private static final Pattern REGION = Pattern.compile("[a-z0-9]+(-[a-z0-9]+)*");
  private static final Pattern KEY_PREFIX = Pattern.compile("[A-Za-z0-9!_.*'()/-]{0,200}");
  private static final Pattern MEDIA_TOKEN = Pattern.compile("[a-z0-9!#$&^_.+-]+");

  public static final int DEFAULT_RATE_LIMIT = 600;
  public static final Duration DEFAULT_STORAGE_TIMEOUT = Duration.ofSeconds(30);
  public static final Duration DEFAULT_INDEX_REFRESH = Duration.ofSeconds(10);

  public static final int DEFAULT_DATABASE_POOL_SIZE = 10;
  public static final Duration DEFAULT_WEBHOOK_SCAN_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_PRE_CREATE_HOOK_TIMEOUT = Duration.ofSeconds(5);
  private static final Pattern JNDI_NAME = Pattern.compile("[A-Za-z0-9_./:-]{1,200}");
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9a-z-]{1,100}");

  public Settings {
    allowedTypes = List.copyOf(allowedTypes);
    allowedOrigins = List.copyOf(allowedOrigins);
    preCreateHookHeaders = List.copyOf(preCreateHookHeaders);
    metricsAllowedAddresses = List.copyOf(metricsAllowedAddresses);
  }

  /** Loopback, IPv4 and IPv6: the host itself (an agent beside the app) may scrape. */
  public static final List<String> DEFAULT_METRICS_ALLOWED_ADDRESSES =
      List.of("127.0.0.0/8", "::1/128");

  /** What {@link #describe} says: a record's own text would show the passwords and secret. */
  @Override
  public String toString() {
    return "Settings[" + describe() + "]";
  }

  /** Reads and validates every setting; the first bad one stops start-up with its name. */
  public static Settings load(SettingSource source) {
    Reader r = new Reader(source);
    Settings settings = new Settings(
        r.required("bucket", Settings::bucket),
        r.optional("endpoint", Settings::endpoint),
        r.optional("region", Settings::region),
        r.value("path-style", false, Settings::bool),
        r.value("key-prefix", DEFAULT_KEY_PREFIX, Settings::keyPrefix),
        r.value("max-file-size", DEFAULT_MAX_FILE_SIZE, Settings::maxFileSize),
        r.value("multipart-threshold", DEFAULT_MULTIPART_THRESHOLD, Settings::multipartThreshold),
        r.value("part-size", DEFAULT_PART_SIZE, Settings::partSize),
        r.value("allowed-types", DEFAULT_ALLOWED_TYPES, Settings::allowedTypes),
        r.value("url-expiry", DEFAULT_URL_EXPIRY, Settings::urlExpiry),
        r.value("public-read", false, Settings::bool),
        r.value("max-pending", DEFAULT_MAX_PENDING, Settings::maxPending),
        r.value("max-pending-per-user", DEFAULT_MAX_PENDING_PER_USER, Settings::maxPending),
        r.optional("public-origin", Settings::publicOrigin),
        r.value("allowed-origins", List.of(), Settings::allowedOrigins),
        r.value("rate-limit", DEFAULT_RATE_LIMIT, Settings::rateLimit),
        r.value("storage-timeout", DEFAULT_STORAGE_TIMEOUT, Settings::storageTimeout),
        r.optional("auth-role", Settings::authRole),
        r.value("index-refresh", DEFAULT_INDEX_REFRESH, Settings::indexRefresh),
        r.value("write-once", true, Settings::bool),
        r.value("body-timeout", DEFAULT_BODY_TIMEOUT, Settings::bodyTimeout),
        r.value("checkpoint-interval", DEFAULT_CHECKPOINT_INTERVAL, Settings::checkpointInterval),
        r.optional("database-url", Settings::databaseUrl),
        r.value("database-user", "", v -> v),
        r.value("database-password", "", v -> v),
        r.value("database-pool-size", DEFAULT_DATABASE_POOL_SIZE, Settings::poolSize),
        r.optional("database-jndi", Settings::jndiName),
        r.optional("webhook-url", Settings::hookUrl),
        r.optional("webhook-secret", Settings::webhookSecret),
        r.value("webhook-scan-interval", DEFAULT_WEBHOOK_SCAN_INTERVAL, Settings::scanInterval),
        r.optional("pre-create-hook-url", Settings::hookUrl),
        r.value("pre-create-hook-timeout", DEFAULT_PRE_CREATE_HOOK_TIMEOUT, Settings::hookTimeout),
        r.value("pre-create-hook-headers", List.of(), Settings::headerNames),
        r.value("owner-quota-bytes", 0L, Settings::quotaBytes),
        r.value("owner-quota-files", 0L, Settings::quotaFiles),
        r.value("metrics", true, Settings::bool),
        r.optional("metrics-role", Settings::authRole),
        r.value("metrics-allowed-addresses", DEFAULT_METRICS_ALLOWED_ADDRESSES,
            Settings::networks));
    if (settings.databaseUrl.isPresent() && settings.databaseJndi.isPresent()) {
      throw new InvalidSettingException("database-jndi", "expected either database-url or"
          + " database-jndi, not both");
    }
    if ((settings.webhookUrl.isPresent() || settings.preCreateHookUrl.isPresent())
        && settings.webhookSecret.isEmpty()) {
      throw new InvalidSettingException("webhook-secret", "required when webhook-url or"
          + " pre-create-hook-url is set: it signs what is sent there");
    }
    return settings;
  }

  /** True when a browser may upload this lower-case media type. */
  public boolean allowsType(String mediaType) {
    int slash = mediaType.indexOf('/');
    String wildcard = slash < 0 ? null : mediaType.substring(0, slash) + "/*";
    for (String allowed : allowedTypes) {
      if (allowed.equals("*/*") || allowed.equals(mediaType) || allowed.equals(wildcard)) {
        return true;
      }
    }
    return false;
  }

  /** One line for the start-up log. There are no secrets in here: credentials never pass through. */
  public String describe() {
    return "bucket=" + bucket
        + ", endpoint=" + endpoint.map(URI::toString).orElse("AWS")
        + ", region=" + region.orElse("(SDK region chain)")
        + ", path-style=" + pathStyle
        + ", key-prefix=" + keyPrefix
        + ", max-file-size=" + ByteSize.format(maxFileSize)
        + ", multipart-threshold=" + ByteSize.format(multipartThreshold)
        + ", part-size=" + ByteSize.format(partSize)
        + ", allowed-types=" + String.join(",", allowedTypes)
        + ", url-expiry=" + urlExpiry
        + ", public-read=" + publicRead
        + ", max-pending=" + maxPending
        + ", max-pending-per-user=" + maxPendingPerUser
        + ", public-origin=" + publicOrigin.orElse("(from each request)")
        + ", allowed-origins=" + (allowedOrigins.isEmpty() ? "(none)" : String.join(",", allowedOrigins))
        + ", rate-limit=" + (rateLimit == 0 ? "off" : rateLimit + "/min")
        + ", storage-timeout=" + storageTimeout
        + ", auth-role=" + authRole.orElse("(none: anonymous)")
        + ", index-refresh=" + (indexRefresh.isZero() ? "off" : indexRefresh)
        + ", write-once=" + writeOnce
        + ", body-timeout=" + bodyTimeout
        + ", checkpoint-interval=" + (checkpointInterval.isZero() ? "off" : checkpointInterval)
        + ", registry=" + (databaseJndi.map(j -> "PostgreSQL via JNDI " + j)
            .orElse(databaseUrl.map(u -> "PostgreSQL at " + withoutParameters(u)
                + " (pool " + databasePoolSize + (databaseUser.isEmpty() ? "" : ", user "
                + databaseUser) + ")").orElse("in memory")))
        + ", webhook-url=" + webhookUrl.map(URI::toString).orElse("(none)")
        + ", pre-create-hook-url=" + preCreateHookUrl.map(u -> u + " (timeout "
            + preCreateHookTimeout + ", headers " + String.join(",", preCreateHookHeaders)
            + ")").orElse("(none)")
        + ", owner-quota-bytes=" + (ownerQuotaBytes == 0 ? "none" : ByteSize.format(ownerQuotaBytes))
        + ", owner-quota-files=" + (ownerQuotaFiles == 0 ? "none" : ownerQuotaFiles)
        + ", metrics=" + (metrics ? "on (role " + metricsRole.orElse("(none)") + ", addresses "
            + String.join(",", metricsAllowedAddresses) + ")" : "off");
  }

  // ---- parsers: each returns the value or throws IllegalArgumentException saying what it expected

  private static String bucket(String v) {
    if (v.endsWith("--x-s3")) {
      throw new IllegalArgumentException("S3 Express directory buckets ('" + v + "') sign"
          + " uploads differently and are not supported; use a general purpose bucket");
    }
    if (!BUCKET.matcher(v).matches()) {
      throw new IllegalArgumentException(
          "expected 3 to 63 letters, digits, dots or hyphens but was '" + v + "'");
    }
    return v;
  }

  private static Optional<URI> endpoint(String v) {
    try {
      URI uri = new URI(v);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          || uri.getHost() == null) {
        throw new IllegalArgumentException(
            "expected an http or https URL such as https://s3.example.com but was '" + v + "'");
      }
      return Optional.of(uri);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("expected a URL but was '" + v + "'", e);
    }
  }

  private static Optional<String> region(String v) {
    if (!REGION.matcher(v).matches()) {
      throw new IllegalArgumentException("expected a region such as eu-west-1 but was '" + v + "'");
    }
    return Optional.of(v);
  }

  private static boolean bool(String v) {
    return switch (v.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("expected true or false but was '" + v + "'");
    };
  }

  private static String keyPrefix(String v) {
    if (!KEY_PREFIX.matcher(v).matches() || v.startsWith("/") || v.contains("//")
        || Arrays.asList(v.split("/")).contains("..")) {
      throw new IllegalArgumentException("expected up to 200 characters of A-Z a-z 0-9 ! _ . * ' ( )"
          + " - and /, not starting with /, no empty or '..' segment, but was '" + v + "'");
    }
    return v;
  }

  private static long maxFileSize(String v) {
    return byteSize(v, 1, MAX_OBJECT_SIZE, "S3 stores objects of at most 5 TiB");
  }

  private static long multipartThreshold(String v) {
    return byteSize(v, MIN_PART_SIZE, SINGLE_PUT_LIMIT,
        "a file below it goes in one PUT, which carries at most 5 GiB; parts are at least 5 MiB");
  }

  private static long partSize(String v) {
    return byteSize(v, MIN_PART_SIZE, MAX_PART_SIZE, "S3 takes parts of 5 MiB to 5 GiB");
  }

  private static long byteSize(String v, long min, long max, String why) {
    long size = ByteSize.parse(v);
    if (size < min || size > max) {
      throw new IllegalArgumentException("expected " + ByteSize.format(min) + ".."
          + ByteSize.format(max) + " (" + why + ") but was " + v);
    }
    return size;
  }

  /**
   * The part size for a file of {@code size} bytes: the configured one, raised (to whole MiB) when
   * the file would otherwise need more than S3's 10,000 parts.
   */
  public long partSizeFor(long size) {
    long needed = (size + MAX_PARTS - 1) / MAX_PARTS;
    if (needed <= partSize) {
      return partSize;
    }
    long mib = 1L << 20;
    return (needed + mib - 1) / mib * mib;
  }

  /** True when a file of {@code size} bytes goes up in parts rather than one PUT. */
  public boolean isMultipart(long size) {
    return size >= multipartThreshold;
  }

  private static List<String> allowedTypes(String v) {
    List<String> types = new ArrayList<>();
    for (String part : v.split(",")) {
      String type = part.trim().toLowerCase(Locale.ROOT);
      if (type.isEmpty()) {
        continue;
      }
      String[] halves = type.split("/", -1);
      boolean valid = halves.length == 2
          && (MEDIA_TOKEN.matcher(halves[0]).matches() || type.equals("*/*"))
          && (MEDIA_TOKEN.matcher(halves[1]).matches() || halves[1].equals("*"));
      if (!valid) {
        throw new IllegalArgumentException("expected a comma-separated list of media types such"
            + " as image/png, image/* or */* but found '" + part.trim() + "'");
      }
      types.add(type);
    }
    if (types.isEmpty()) {
      throw new IllegalArgumentException("expected at least one media type but the list was empty");
    }
    return types;
  }

  private static Duration urlExpiry(String v) {
    Duration d = duration(v);
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(MAX_URL_EXPIRY) > 0) {
      throw new IllegalArgumentException(
          "expected PT1S..P7D (SigV4 URLs live at most 7 days) but was " + d);
    }
    return d;
  }

  private static Optional<String> publicOrigin(String v) {
    try {
      URI uri = new URI(v);
      boolean bare = (uri.getPath() == null || uri.getPath().isEmpty()) && uri.getQuery() == null
          && uri.getFragment() == null && uri.getUserInfo() == null;
      if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
          && uri.getHost() != null && bare) {
        return Optional.of(uri.getScheme() + "://" + uri.getHost().toLowerCase(Locale.ROOT)
            + (uri.getPort() < 0 ? "" : ":" + uri.getPort()));
      }
    } catch (URISyntaxException e) {
      // fall through to the message below
    }
    throw new IllegalArgumentException("expected an origin such as https://app.example.com"
        + " (scheme, host and optional port, no path) but was '" + v + "'");
  }

  private static List<String> allowedOrigins(String v) {
    List<String> origins = new ArrayList<>();
    for (String part : v.split(",")) {
      if (!part.isBlank()) {
        origins.add(publicOrigin(part.trim()).orElseThrow());
      }
    }
    return origins;
  }

  private static Optional<String> authRole(String v) {
    if (!v.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("expected a role name such as user (letters, digits,"
          + " . _ -) but was '" + v + "'");
    }
    return Optional.of(v);
  }

  private static Duration storageTimeout(String v) {
    Duration d = duration(v);
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofMinutes(5)) > 0) {
      throw new IllegalArgumentException("expected PT1S..PT5M but was " + d);
    }
    return d;
  }

  private static Duration indexRefresh(String v) {
    Duration d = duration(v);
    if (!d.isZero()
        && (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofHours(1)) > 0)) {
      throw new IllegalArgumentException("expected PT0S (off) or PT1S..PT1H but was " + d);
    }
    return d;
  }

  /** A JDBC URL may carry a password as a parameter: never show those. */
  private static String withoutParameters(String url) {
    int query = url.indexOf('?');
    return query < 0 ? url : url.substring(0, query) + "?...";
  }

  private static Optional<String> databaseUrl(String v) {
    if (!v.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException("expected a PostgreSQL JDBC URL such as"
          + " jdbc:postgresql://db.example:5432/uploads but it starts with '"
          + (v.length() > 16 ? v.substring(0, 16) + "..." : v) + "'");
    }
    return Optional.of(v);
  }

  private static int poolSize(String v) {
    int n = wholeNumber(v, 1);
    if (n > 1000) {
      throw new IllegalArgumentException("expected 1..1000 connections but was " + n);
    }
    return n;
  }

  private static Optional<String> jndiName(String v) {
    if (!JNDI_NAME.matcher(v).matches()) {
      throw new IllegalArgumentException("expected a JNDI name such as jdbc/uploads or"
          + " java:comp/env/jdbc/uploads but was '" + v + "'");
    }
    return Optional.of(v);
  }

  private static Optional<URI> hookUrl(String v) {
    Optional<URI> url = endpoint(v);
    if (url.get().getRawFragment() != null) {
      throw new IllegalArgumentException("expected a URL without a #fragment but was '" + v + "'");
    }
    return url;
  }

  /** Checked for its form only here (the events package parses it); never echoed. */
  private static Optional<String> webhookSecret(String v) {
    if (!v.startsWith("whsec_")) {
      throw new IllegalArgumentException("expected whsec_ followed by base64 of at least 24"
          + " random bytes (e.g. from openssl rand -base64 32)");
    }
    byte[] key;
    try {
      key = java.util.Base64.getDecoder().decode(v.substring(6));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("expected whsec_ followed by base64, but what follows"
          + " whsec_ is not base64");
    }
    if (key.length < 24) {
      throw new IllegalArgumentException("expected at least 24 random bytes after whsec_ but"
          + " found " + key.length);
    }
    return Optional.of(v);
  }

  private static Duration scanInterval(String v) {
    Duration d = duration(v);
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("expected PT1S..PT10M but was " + d);
    }
    return d;
  }

  private static Duration hookTimeout(String v) {
    Duration d = duration(v);
    if (d.compareTo(Duration.ofMillis(100)) < 0 || d.compareTo(Duration.ofSeconds(30)) > 0) {
      throw new IllegalArgumentException("expected PT0.1S..PT30S but was " + d);
    }
    return d;
  }

  private static List<String> headerNames(String v) {
    List<String> names = new ArrayList<>();
    for (String part : v.split(",")) {
      String name = part.trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty()) {
        continue;
      }
      if (!HEADER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("expected header names such as Cookie,Authorization"
            + " but found '" + part.trim() + "'");
      }
      names.add(name);
    }
    return names;
  }

  private static long quotaBytes(String v) {
    return v.trim().equals("0") ? 0 : byteSize(v, 1, Long.MAX_VALUE, "0 means no quota");
  }

  private static long quotaFiles(String v) {
    try {
      long n = Long.parseLong(v.trim());
      if (n < 0) {
        throw new IllegalArgumentException("expected 0 (no quota) or more files but was " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number of files but was '" + v + "'",
          e);
    }
  }

  private static final Pattern NETWORK = Pattern.compile("[0-9A-Fa-f.:]+(/[0-9]{1,3})?");

  /** "10.0.0.0/8, 192.168.1.7, ::1" as given: the web layer matches addresses against them. */
  private static List<String> networks(String v) {
    List<String> networks = new ArrayList<>();
    for (String part : v.split(",")) {
      String network = part.trim();
      if (network.isEmpty()) {
        continue;
      }
      String address = network.contains("/") ? network.substring(0, network.indexOf('/'))
          : network;
      boolean valid = NETWORK.matcher(network).matches()
          && (address.contains(":") || address.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}"));
      if (valid && network.contains("/")) {
        int bits = Integer.parseInt(network.substring(network.indexOf('/') + 1));
        valid = bits <= (address.contains(":") ? 128 : 32);
      }
      if (!valid) {
        throw new IllegalArgumentException("expected addresses or CIDR networks such as"
            + " 10.0.0.0/8, 192.168.1.7 or ::1 but found '" + network + "'");
      }
      networks.add(network);
    }
    return networks;
  }

  private static Duration checkpointInterval(String v) {
    Duration d = duration(v);
    if (!d.isZero()
        && (d.compareTo(Duration.ofMinutes(1)) < 0 || d.compareTo(Duration.ofDays(1)) > 0)) {
      throw new IllegalArgumentException("expected PT0S (none) or PT1M..P1D but was " + d);
    }
    return d;
  }

  private static Duration bodyTimeout(String v) {
    Duration d = duration(v);
    if (d.compareTo(Duration.ofSeconds(1)) < 0 || d.compareTo(Duration.ofMinutes(2)) > 0) {
      throw new IllegalArgumentException("expected PT1S..PT2M but was " + d);
    }
    return d;
  }

  private static Duration duration(String v) {
    try {
      return Duration.parse(v.trim());
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException(
          "expected an ISO-8601 duration such as PT15M or PT30S but was '" + v + "'", e);
    }
  }

  private static int maxPending(String v) {
    return wholeNumber(v, 1);
  }

  private static int rateLimit(String v) {
    return wholeNumber(v, 0);
  }

  private static int wholeNumber(String v, int min) {
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a whole number but was '" + v + "'", e);
    }
    if (n < min) {
      throw new IllegalArgumentException("expected at least " + min + " but was " + n);
    }
    return n;
  }

  /** Looks a name up and turns a parser's complaint into an error that names the setting. */
  private record Reader(SettingSource source) {
    <T> T value(String name, T defaultValue, Function<String, T> parser) {
      String raw = source.get(name);
      if (raw == null || raw.isBlank()) {
        return defaultValue;
      }
      try {
        return parser.apply(raw.trim());
      } catch (IllegalArgumentException e) {
        throw new InvalidSettingException(name, e.getMessage());
      }
    }

    <T> Optional<T> optional(String name, Function<String, Optional<T>> parser) {
      return value(name, Optional.empty(), parser);
    }

    String required(String name, Function<String, String> parser) {
      String value = value(name, null, parser);
      if (value == null) {
        throw new InvalidSettingException(name, "required but not set");
      }
      return value;
    }
  }
}
