package dev.directupload.upload;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.config.Settings;
import dev.directupload.storage.PreflightAnswer;
import dev.directupload.testing.FakeStore;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.TestSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The CORS self-check names what the bucket's rules lack, and asks the bucket at most once a minute. */
class CorsCheckTest {
  private static final String ORIGIN = "https://app.example.com";
  private final Settings settings = TestSettings.with();
  private final FakeStore store = new FakeStore(settings);
  private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
  private final CorsCheck check = new CorsCheck(settings, store, clock);

  @AfterEach
  void closeStore() {
    store.close();
  }

  /** A bucket answering with the good answer except for {@code name}, set to {@code value}. */
  private void answerWith(int status, String name, String value) {
    store.cors = (origin, headers) -> {
      Map<String, String> h = new HashMap<>(Map.of(
          "access-control-allow-origin", origin,
          "access-control-allow-methods", "PUT",
          "access-control-allow-headers", String.join(",", headers),
          "access-control-expose-headers", "ETag"));
      if (value == null) {
        h.remove(name);
      } else {
        h.put(name, value);
      }
      return new PreflightAnswer(status, h);
    };
  }

  private String problem() {
    CorsStatus status = check.check(ORIGIN).orElseThrow();
    assertFalse(status.ok());
    return status.problem().orElseThrow();
  }

  @Test
  void bucketThatAllowsEverythingNeededIsOk() {
    CorsStatus status = check.check(ORIGIN).orElseThrow();
    assertTrue(status.ok());
    assertEquals(ORIGIN, status.origin());
    assertTrue(status.problem().isEmpty());
  }

  @Test
  void bucketWithoutRulesForTheOriginIsReportedWithItsAnswer() {
    answerWith(403, "access-control-allow-origin", null);
    assertEquals("The bucket does not allow uploads from https://app.example.com: its answer to"
        + " a CORS preflight was HTTP 403 without Access-Control-Allow-Origin.", problem());
  }

  @Test
  void ruleForAnotherOriginIsReported() {
    answerWith(200, "access-control-allow-origin", "https://other.example.com");
    assertTrue(problem().contains("allowing https://other.example.com"));
  }

  @Test
  void wildcardOriginIsAccepted() {
    answerWith(200, "access-control-allow-origin", "*");
    assertTrue(check.check(ORIGIN).orElseThrow().ok());
  }

  @Test
  void ruleWithoutPutIsReported() {
    answerWith(200, "access-control-allow-methods", "GET, HEAD");
    assertTrue(problem().contains("does not allow PUT"));
  }

  @Test
  void missingSignedHeadersAreNamed() {
    answerWith(200, "access-control-allow-headers", "content-type");
    assertTrue(problem().endsWith("does not allow the headers if-none-match,"
        + " x-amz-checksum-sha256, x-amz-meta-filename, x-amz-meta-owner, x-amz-meta-upload-id."),
        problem());
  }

  @Test
  void wildcardHeadersAreAccepted() {
    answerWith(200, "access-control-allow-headers", "*");
    assertTrue(check.check(ORIGIN).orElseThrow().ok());
  }

  @Test
  void etagNotExposedIsReported() {
    answerWith(200, "access-control-expose-headers", null);
    assertTrue(problem().contains("does not expose the ETag header"));
  }

  @Test
  void unreachableBucketIsAProblemNotAnError() {
    store.down = true;
    assertTrue(problem().contains("did not answer a CORS preflight"));
  }

  @Test
  void rulesToApplyNameTheOriginAndTheSignedHeaders() {
    Map<String, Object> rule = check.check(ORIGIN).orElseThrow().rules().get(0);
    assertEquals(List.of(ORIGIN), rule.get("AllowedOrigins"));
    assertEquals(List.of("PUT", "GET", "HEAD"), rule.get("AllowedMethods"));
    assertEquals(List.of("content-type", "if-none-match", "x-amz-checksum-sha256",
        "x-amz-meta-*"), rule.get("AllowedHeaders"));
    assertEquals(List.of("ETag"), rule.get("ExposeHeaders"));
  }

  @Test
  void publicReadAlsoNeedsTheAclHeader() {
    Settings publicRead = TestSettings.with("public-read", "true");
    try (FakeStore other = new FakeStore(publicRead)) {
      other.cors = (origin, headers) -> new PreflightAnswer(200, Map.of(
          "access-control-allow-origin", origin, "access-control-allow-methods", "PUT",
          "access-control-allow-headers", "content-type,if-none-match,x-amz-checksum-sha256,"
              + "x-amz-meta-filename,x-amz-meta-owner,x-amz-meta-upload-id",
          "access-control-expose-headers", "ETag"));
      CorsStatus status = new CorsCheck(publicRead, other, clock).check(ORIGIN).orElseThrow();
      assertTrue(status.problem().orElseThrow().contains("x-amz-acl"));
      assertTrue(((List<?>) status.rules().get(0).get("AllowedHeaders")).contains("x-amz-acl"));
    }
  }

  @Test
  void answerIsKeptForAMinutePerOrigin() {
    check.check(ORIGIN).orElseThrow();
    check.check(ORIGIN).orElseThrow();
    assertEquals(1, preflights());
    clock.advance(Duration.ofSeconds(61));
    check.check(ORIGIN).orElseThrow();
    assertEquals(2, preflights());
    check.check("http://localhost:8080");
    assertEquals(3, preflights());
  }

  @Test
  void inventedOriginsBeyondTheCacheSendNoMorePreflights() {
    for (int i = 0; i < CorsCheck.MAX_ORIGINS; i++) {
      assertTrue(check.check("http://host" + i + ".example").isPresent());
    }
    assertEquals(Optional.empty(), check.check("http://one-more.example"));
    assertEquals(CorsCheck.MAX_ORIGINS, preflights());
    clock.advance(Duration.ofSeconds(61));
    assertTrue(check.check("http://one-more.example").isPresent(), "room again a minute later");
  }

  private long preflights() {
    return store.calls.stream().filter(c -> c.startsWith("preflight ")).count();
  }
}
