package dev.directupload.web;

import dev.directupload.upload.CorsStatus;
import dev.directupload.upload.Health;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * {@code api/health}: 200 UP when the bucket answers, 503 DOWN with the reason when not, and
 * whether the bucket's CORS rules let the page upload.
 */
final class HealthServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient UploadService service;

  HealthServlet(UploadService service) {
    this.service = service;
  }

  record HealthView(String status, String problem, int files, int pending, CorsView cors) {}

  record CorsView(boolean ok, String origin, String problem, List<Map<String, Object>> rules) {
    static CorsView of(CorsStatus s) {
      return new CorsView(s.ok(), s.origin(), s.problem().orElse(null), s.rules());
    }
  }

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    requireGetWithoutSubpath(method, path, req, resp);
    Health health = service.health(Origins.of(req));
    Json.write(resp, health.up() ? 200 : 503, new HealthView(health.up() ? "UP" : "DOWN",
        health.problem().orElse(null), health.completed(), health.pending(),
        health.cors().map(CorsView::of).orElse(null)));
  }
}
