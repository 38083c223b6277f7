package dev.directupload.web;

import dev.directupload.upload.Health;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/** {@code api/health}: 200 UP when the bucket answers, 503 DOWN with the reason when not. */
final class HealthServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient UploadService service;

  HealthServlet(UploadService service) {
    this.service = service;
  }

  record HealthView(String status, String problem, int files, int pending) {}

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    requireGetWithoutSubpath(method, path, req, resp);
    Health health = service.health();
    Json.write(resp, health.up() ? 200 : 503, new HealthView(health.up() ? "UP" : "DOWN",
        health.problem().orElse(null), health.completed(), health.pending()));
  }
}
