package dev.directupload.web;

import dev.directupload.events.Backlog;
import dev.directupload.events.WebhookDeliverer;
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
import java.util.Optional;
import java.util.function.Supplier;

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
  private final transient Supplier<Optional<String>> databaseProblem;
  private final transient Optional<WebhookDeliverer> webhooks;

  HealthServlet(UploadService service, boolean authenticated,
      Supplier<Optional<String>> databaseProblem, Optional<WebhookDeliverer> webhooks) {
    this.service = service;
    this.authenticated = authenticated;
    this.databaseProblem = databaseProblem;
    this.webhooks = webhooks;
  }

  /** {@code webhooks} is null when no webhook URL is set. */
  record HealthView(String status, String problem, int files, int pending, IndexView index,
      WebhooksView webhooks, CorsView cors) {}

  record WebhooksView(long pending, long oldestAgeSeconds, String lastError) {
    static WebhooksView of(Backlog b) {
      return new WebhooksView(b.pending(), b.oldestAgeSeconds(), b.lastError().orElse(null));
    }
  }

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
    Optional<String> database = databaseProblem.get();
    Health health = service.health(Origins.of(req));
    boolean up = health.up() && database.isEmpty();
    if (authenticated && !signIn(req)) {
      Json.write(resp, up ? 200 : 503, new StatusView(up ? "UP" : "DOWN"));
      return;
    }
    // While the database is not ready, the registry's counts cannot be read.
    int files = database.isEmpty() ? health.completed() : 0;
    int pending = database.isEmpty() ? health.pending() : 0;
    Json.write(resp, up ? 200 : 503, new HealthView(up ? "UP" : "DOWN",
        database.map(p -> "database: " + p).or(health::problem).orElse(null), files, pending,
        IndexView.of(service.indexStatus()), webhooks.map(w -> WebhooksView.of(w.backlog()))
            .orElse(null), health.cors().map(CorsView::of).orElse(null)));
  }

  /**
   * Whether the caller is signed in. Health is not a protected path, so containers do not look
   * at Basic credentials by themselves; a request that brings some (the page's, which the
   * browser sends again) is signed in here through the container's realm. Wrong ones are
   * simply not signed in.
   */
  static boolean signIn(HttpServletRequest req) {
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
