package dev.directupload.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import dev.directupload.testing.TestSettings;
import jakarta.servlet.FilterChain;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The browser-safety filters: what passes to the servlets, and the JSON answer when not. */
class FiltersTest {

  /** One request through a filter: what it answered, and whether the chain went on. */
  private static final class Call {
    int status = 200;
    final Map<String, String> headers = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();
    boolean passed;
  }

  private static Call run(HttpFilter filter, String method, String pathInfo,
      Map<String, String> requestHeaders) throws Exception {
    return run(filter, method, "/api/uploads", pathInfo, "app.example.com", requestHeaders);
  }

  /** A request for {@code host} (as its {@code Host} header names it) to a servlet path. */
  private static Call run(HttpFilter filter, String method, String servletPath, String pathInfo,
      String host, Map<String, String> requestHeaders) throws Exception {
    Call call = new Call();
    HttpServletRequest req = mock(HttpServletRequest.class);
    when(req.getMethod()).thenReturn(method);
    when(req.getServletPath()).thenReturn(servletPath);
    when(req.getPathInfo()).thenReturn(pathInfo);
    when(req.getScheme()).thenReturn("https");
    when(req.getServerName()).thenReturn(host);
    when(req.getServerPort()).thenReturn(443);
    when(req.getRemoteAddr()).thenReturn("192.0.2.7");
    when(req.getHeader(anyString())).thenAnswer(i -> requestHeaders.get(i.getArgument(0)));
    HttpServletResponse resp = mock(HttpServletResponse.class);
    doAnswer(i -> call.status = i.getArgument(0, Integer.class)).when(resp).setStatus(anyInt());
    doAnswer(i -> call.headers.put(i.getArgument(0), i.getArgument(1))).when(resp)
        .setHeader(anyString(), anyString());
    when(resp.getOutputStream()).thenReturn(new CapturedOutput(call.body));
    FilterChain chain = mock(FilterChain.class);
    doAnswer(i -> call.passed = true).when(chain).doFilter(any(), any());
    filter.doFilter(req, resp, chain);
    if (!call.passed) {
      verify(chain, never()).doFilter(any(), any());
    }
    return call;
  }

  private final OriginCheckFilter origins = new OriginCheckFilter(TestSettings.with(
      "allowed-origins", "https://partner.example.org"));
  private final OriginCheckFilter pinned = new OriginCheckFilter(TestSettings.with(
      "allowed-origins", "https://partner.example.org",
      "public-origin", "https://uploads.example.com"));

  @Test
  void sameOriginPostPasses() throws Exception {
    assertTrue(run(origins, "POST", null, Map.of("Origin", "https://app.example.com")).passed);
  }

  @Test
  void configuredOriginsPass() throws Exception {
    assertTrue(run(origins, "POST", null, Map.of("Origin", "https://partner.example.org")).passed);
    assertTrue(run(pinned, "DELETE", "/api/uploads", "/x", "uploads.example.com",
        Map.of("Origin", "https://uploads.example.com")).passed);
    assertTrue(run(pinned, "POST", "/api/uploads", null, "uploads.example.com",
        Map.of("Origin", "https://partner.example.org")).passed);
  }

  @Test
  void withAPublicOriginAnotherHostIsRefusedEvenWithAMatchingOrigin() throws Exception {
    // A DNS-rebinding page: same-origin as far as the browser knows.
    for (String method : new String[] {"GET", "POST"}) {
      Call call = run(pinned, method, "/api/files", null, "attacker.example",
          Map.of("Origin", "https://attacker.example"));
      assertFalse(call.passed, method);
      assertEquals(421, call.status);
      String body = call.body.toString(StandardCharsets.UTF_8);
      assertTrue(body.contains("\"code\":\"WRONG_HOST\""), body);
    }
  }

  @Test
  void withAPublicOriginTheRequestsOwnOriginIsNoLongerTrusted() throws Exception {
    assertFalse(run(pinned, "POST", "/api/uploads", null, "uploads.example.com",
        Map.of("Origin", "http://uploads.example.com:8080")).passed);
  }

  @Test
  void healthAnswersProbesThatCallByAddress() throws Exception {
    assertTrue(run(pinned, "GET", "/api/health", null, "10.0.0.7", Map.of()).passed);
  }

  @Test
  void clientsThatSendNoOriginPass() throws Exception {
    assertTrue(run(origins, "POST", null, Map.of()).passed);
  }

  @Test
  void foreignOriginIsRefusedWithJson403() throws Exception {
    for (String method : new String[] {"POST", "DELETE", "PUT", "PATCH"}) {
      Call call = run(origins, method, null, Map.of("Origin", "https://evil.example"));
      assertFalse(call.passed, method);
      assertEquals(403, call.status);
      String body = call.body.toString(StandardCharsets.UTF_8);
      assertTrue(body.contains("\"code\":\"FORBIDDEN_ORIGIN\""), body);
      assertTrue(body.contains("https://evil.example"), body);
    }
  }

  @Test
  void opaqueNullOriginIsRefused() throws Exception {
    assertFalse(run(origins, "POST", null, Map.of("Origin", "null")).passed);
  }

  @Test
  void crossSiteFetchWithoutOriginIsRefused() throws Exception {
    assertFalse(run(origins, "POST", null, Map.of("Sec-Fetch-Site", "cross-site")).passed);
    assertTrue(run(origins, "POST", null, Map.of("Sec-Fetch-Site", "same-origin")).passed);
  }

  @Test
  void readsFromAnyOriginPass() throws Exception {
    assertTrue(run(origins, "GET", null, Map.of("Origin", "https://evil.example")).passed);
  }

  @Test
  void securityHeadersOnEveryResponse() throws Exception {
    Call call = run(new SecurityHeadersFilter("https://bucket.s3.eu-west-1.amazonaws.com"), "GET",
        null, Map.of());
    assertTrue(call.passed);
    String csp = call.headers.get("Content-Security-Policy");
    assertTrue(csp.startsWith("default-src 'self'; script-src 'self'; style-src 'self'"), csp);
    assertTrue(csp.contains("connect-src 'self' https://bucket.s3.eu-west-1.amazonaws.com"), csp);
    assertTrue(csp.contains("frame-ancestors 'none'"), csp);
    assertFalse(csp.contains("unsafe-inline"), csp);
    assertEquals("nosniff", call.headers.get("X-Content-Type-Options"));
    assertEquals("no-referrer", call.headers.get("Referrer-Policy"));
    assertEquals("DENY", call.headers.get("X-Frame-Options"));
  }

  @Test
  void presignsBeyondTheLimitAre429WithRetryAfter() throws Exception {
    RateLimitFilter limit = new RateLimitFilter(2);
    assertTrue(run(limit, "POST", null, Map.of()).passed);
    assertTrue(run(limit, "POST", null, Map.of()).passed);
    Call refused = run(limit, "POST", null, Map.of());
    assertFalse(refused.passed);
    assertEquals(429, refused.status);
    assertEquals("30", refused.headers.get("Retry-After"));
    assertTrue(refused.body.toString(StandardCharsets.UTF_8).contains("TOO_MANY_REQUESTS"));
    assertTrue(run(limit, "POST", "/abc/complete", Map.of()).passed,
        "completes count apart from presigns");
    assertTrue(run(limit, "GET", null, Map.of()).passed, "listing reads only the index");
  }

  @Test
  void callsThatReachTheStoreAreLimitedApartFromPresigns() throws Exception {
    RateLimitFilter limit = new RateLimitFilter(1);
    int allowed = 0;
    while (run(limit, "POST", "/abc/complete", Map.of()).passed) {
      allowed++;
    }
    assertEquals(RateLimitFilter.STORE_CALLS_FACTOR, allowed);
    Call refused = run(limit, "GET", "/api/files", "/abc/download", "app.example.com", Map.of());
    assertEquals(429, refused.status);
    assertTrue(run(limit, "POST", null, Map.of()).passed, "a presign has its own budget");
  }

  @Test
  void uppysStartsArePresignsAndItsRefusalsAreCompanionShaped() throws Exception {
    RateLimitFilter limit = new RateLimitFilter(2);
    assertTrue(run(limit, "GET", "/s3", "/params", "app.example.com", Map.of()).passed);
    assertTrue(run(limit, "POST", "/s3", "/multipart", "app.example.com", Map.of()).passed);
    Call refused = run(limit, "GET", "/s3", "/params", "app.example.com", Map.of());
    assertEquals(429, refused.status);
    String body = refused.body.toString(StandardCharsets.UTF_8);
    assertTrue(body.startsWith("{\"message\":"), "Uppy shows `message`: " + body);
    assertTrue(body.contains("\"code\":\"TOO_MANY_REQUESTS\""), body);
    assertTrue(run(limit, "GET", "/s3", "/multipart/abc/1", "app.example.com", Map.of()).passed,
        "signing a part counts among the store calls, not the presigns");
  }

  @Test
  void uppysSignByGetIsCheckedForItsOrigin() throws Exception {
    Call other = run(origins, "GET", "/s3", "/params", "app.example.com",
        Map.of("Origin", "https://evil.example"));
    assertFalse(other.passed);
    assertEquals(403, other.status);
    assertTrue(other.body.toString(StandardCharsets.UTF_8).contains("\"message\""));
    assertTrue(run(origins, "GET", "/s3", "/params", "app.example.com",
        Map.of("Origin", "https://partner.example.org")).passed);
    assertTrue(run(origins, "GET", "/s3", "/params", "app.example.com", Map.of()).passed,
        "a script (no Origin, no Fetch Metadata) passes");
    assertTrue(run(origins, "OPTIONS", "/s3", "/params", "app.example.com",
        Map.of("Origin", "https://evil.example")).passed, "preflights reach the CORS filter");
  }

  @Test
  void tokensRefillOverTheMinutePerClient() {
    AtomicLong now = new AtomicLong();
    RateLimiter limiter = new RateLimiter(60, now::get);
    for (int i = 0; i < 60; i++) {
      assertEquals(0, limiter.acquire("a"), "burst of a minute's worth");
    }
    assertEquals(1, limiter.acquire("a"));
    assertEquals(0, limiter.acquire("b"), "clients do not share a bucket");
    now.addAndGet(1_000_000_000L);
    assertEquals(0, limiter.acquire("a"), "one token back after a second at 60/min");
    assertEquals(1, limiter.acquire("a"));
  }
}
