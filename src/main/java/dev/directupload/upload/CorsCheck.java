package dev.directupload.upload;

import dev.directupload.config.Settings;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.PreflightAnswer;
import dev.directupload.storage.StorageException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Sends the bucket the CORS preflight a browser sends before each upload, and says what is
 * missing. Each origin's answer is kept for a minute: health checks come often, bucket rules
 * rarely change. At most {@link #MAX_ORIGINS} origins are kept: a caller inventing {@code Host}
 * headers gets no new preflight sent for each one, only "not checked".
 */
final class CorsCheck {
  static final Duration CACHE = Duration.ofMinutes(1);
  /** A key under the prefix: bucket CORS rules apply to every key, and this one need not exist. */
  private static final String PROBE_KEY = "cors-check";

  private final Settings settings;
  private final ObjectStore store;
  private final Clock clock;
  static final int MAX_ORIGINS = 32;
  private final Map<String, Cached> cache = new java.util.concurrent.ConcurrentHashMap<>();

  private record Cached(Instant at, CorsStatus status) {}

  CorsCheck(Settings settings, ObjectStore store, Clock clock) {
    this.settings = settings;
    this.store = store;
    this.clock = clock;
  }

  /**
   * The status for a page at {@code origin}, at most a minute old; empty when too many other
   * origins were checked within the minute.
   */
  Optional<CorsStatus> check(String origin) {
    Instant now = clock.instant();
    Cached cached = cache.get(origin);
    if (cached != null && now.isBefore(cached.at.plus(CACHE))) {
      return Optional.of(cached.status);
    }
    if (cached == null && cache.size() >= MAX_ORIGINS) {
      cache.values().removeIf(c -> !now.isBefore(c.at.plus(CACHE)));
      if (cache.size() >= MAX_ORIGINS) {
        return Optional.empty();
      }
    }
    Optional<String> problem;
    try {
      problem = problem(origin, store.corsPreflight(settings.keyPrefix() + PROBE_KEY, origin,
          signedHeaders()));
    } catch (StorageException e) {
      problem = Optional.of("The bucket did not answer a CORS preflight, so uploads from "
          + origin + " cannot be checked.");
    }
    CorsStatus status = new CorsStatus(problem.isEmpty(), origin, problem, rules(origin));
    cache.put(origin, new Cached(now, status));
    return Optional.of(status);
  }

  /** The headers a browser sends with its PUT, as the preflight names them. */
  List<String> signedHeaders() {
    List<String> headers = new ArrayList<>(List.of("content-type"));
    if (settings.writeOnce()) {
      headers.add("if-none-match");
    }
    headers.addAll(List.of("x-amz-checksum-sha256", "x-amz-meta-filename", "x-amz-meta-owner",
        "x-amz-meta-upload-id"));
    if (settings.publicRead()) {
      headers.add("x-amz-acl");
    }
    return headers;
  }

  private Optional<String> problem(String origin, PreflightAnswer answer) {
    String allowedOrigin = answer.header("access-control-allow-origin");
    if (answer.status() / 100 != 2 || !(allowedOrigin.equals(origin) || allowedOrigin.equals("*"))) {
      return Optional.of("The bucket does not allow uploads from " + origin + ": its answer to a"
          + " CORS preflight was HTTP " + answer.status()
          + (allowedOrigin.isEmpty() ? " without Access-Control-Allow-Origin" : " allowing "
              + allowedOrigin) + ".");
    }
    if (!values(answer.header("access-control-allow-methods")).contains("put")) {
      return Optional.of("The bucket's CORS rule for " + origin + " does not allow PUT.");
    }
    Set<String> allowedHeaders = values(answer.header("access-control-allow-headers"));
    if (!allowedHeaders.contains("*")) {
      List<String> missing = signedHeaders().stream()
          .filter(h -> !allowedHeaders.contains(h)).toList();
      if (!missing.isEmpty()) {
        return Optional.of("The bucket's CORS rule for " + origin + " does not allow the"
            + " headers " + String.join(", ", missing) + ".");
      }
    }
    Set<String> exposed = values(answer.header("access-control-expose-headers"));
    if (!exposed.contains("etag") && !exposed.contains("*")) {
      return Optional.of("The bucket's CORS rule for " + origin + " does not expose the ETag"
          + " header, which multipart uploads need.");
    }
    return Optional.empty();
  }

  private static Set<String> values(String header) {
    return Arrays.stream(header.split(","))
        .map(v -> v.trim().toLowerCase(Locale.ROOT))
        .filter(v -> !v.isEmpty())
        .collect(Collectors.toSet());
  }

  /** The bucket CORS configuration (S3's JSON form) that lets this page upload. */
  private List<Map<String, Object>> rules(String origin) {
    Map<String, Object> rule = new LinkedHashMap<>();
    rule.put("AllowedOrigins", List.of(origin));
    rule.put("AllowedMethods", List.of("PUT", "GET", "HEAD"));
    List<String> headers = new ArrayList<>(List.of("content-type"));
    if (settings.writeOnce()) {
      headers.add("if-none-match");
    }
    headers.addAll(List.of("x-amz-checksum-sha256", "x-amz-meta-*"));
    if (settings.publicRead()) {
      headers.add("x-amz-acl");
    }
    if (settings.allowedTypes().stream().anyMatch(ContentSniffer::isScriptable)) {
      headers.add("content-disposition");
    }
    rule.put("AllowedHeaders", headers);
    rule.put("ExposeHeaders", List.of("ETag"));
    rule.put("MaxAgeSeconds", 3600);
    return List.of(rule);
  }
}
