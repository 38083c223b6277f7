package dev.directupload.web;

import dev.directupload.upload.CorsStatus;
import dev.directupload.upload.Health;
import dev.directupload.upload.IndexStatus;
import dev.directupload.upload.UploadService;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * {@code api/health}: 200 UP when the bucket answers, 503 DOWN with the reason when not, and
 * whether the bucket's CORS rules let the page upload. Open to load balancers, so with
 * authentication on, a caller who is not signed in learns the status only: how many files and
 * uploads everyone has is not theirs to know.
 */
final class HealthServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient UploadService service;
  private final boolean authenticated;

  HealthServlet(UploadService service, boolean authenticated) {
    this.service = service;
    this.authenticated = authenticated;
  }

  record HealthView(String status, String problem, int files, int pending, IndexView index,
      CorsView cors) {}

  /** {@code state} is "loading" until every file is read in after a start, then "ready". */
  record IndexView(String state, int files, String problem) {
    static IndexView of(IndexStatus s) {
      return new IndexView(s.loading() ? "loading" : "ready", s.files(),
          s.problem().orElse(null));
    }
  }

  record StatusView(String status) {}

  record CorsView(boolean ok, String origin, String problem, List<Map<String, Object>> rules) {
    static CorsView of(CorsStatus s) {
      return new CorsView(s.ok(), s.origin(), s.problem().orElse(null), s.rules());
    }
  }

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    requireGetWithoutSubpath(method, path, req, resp);
    if (authenticated && !signIn(req)) {
      Health health = service.health(Origins.of(req));
      Json.write(resp, health.up() ? 200 : 503, new StatusView(health.up() ? "UP" : "DOWN"));
      return;
    }
    Health health = service.health(Origins.of(req));
    Json.write(resp, health.up() ? 200 : 503, new HealthView(health.up() ? "UP" : "DOWN",
        health.problem().orElse(null), health.completed(), health.pending(),
        IndexView.of(service.indexStatus()), health.cors().map(CorsView::of).orElse(null)));
  }

  /**
   * Whether the caller is signed in. Health is not a protected path, so containers do not look
   * at Basic credentials by themselves; a request that brings some (the page's, which the
   * browser sends again) is signed in here through the container's realm. Wrong ones are
   * simply not signed in.
   */
  private static boolean signIn(HttpServletRequest req) {
    if (Callers.isSignedIn(req)) {
      return true;
    }
    String authorization = req.getHeader("Authorization");
    if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
      return false;
    }
    try {
      String pair = new String(Base64.getDecoder().decode(authorization.substring(6).trim()),
          StandardCharsets.UTF_8);
      int colon = pair.indexOf(':');
      if (colon < 0) {
        return false;
      }
      req.login(pair.substring(0, colon), pair.substring(colon + 1));
      return Callers.isSignedIn(req);
    } catch (IllegalArgumentException | ServletException e) {
      return false; // not base64, or the realm refused them
    }
  }
}
