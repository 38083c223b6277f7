package dev.directupload.web;

import dev.directupload.ops.Metrics;
import dev.directupload.ops.Networks;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code api/metrics}: every metric in Prometheus's text format, for a caller from one of
 * {@code metrics-allowed-addresses} (loopback by default: an agent beside the app) or signed in
 * with {@code metrics-role} (Prometheus's {@code basic_auth} sends its credentials with every
 * scrape). Everyone else gets 403: the counts say how the service is used.
 */
final class MetricsServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient Metrics metrics;
  private final transient Networks allowed;
  private final transient Optional<String> role;

  MetricsServlet(Metrics metrics, Networks allowed, Optional<String> role) {
    this.metrics = metrics;
    this.allowed = allowed;
    this.role = role;
  }

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    requireGetWithoutSubpath(method, path, req, resp);
    if (!mayRead(req)) {
      throw new ApiException(ErrorCode.FORBIDDEN_METRICS, "Metrics are served only to the"
          + " addresses in metrics-allowed-addresses and to users in metrics-role.");
    }
    resp.setStatus(200);
    resp.setContentType(Metrics.CONTENT_TYPE);
    resp.setHeader("Cache-Control", "no-store");
    metrics.scrape(resp.getOutputStream());
  }

  /** The address first: a scraper on an allowed network costs no login. */
  private boolean mayRead(HttpServletRequest req) {
    if (allowed.contains(req.getRemoteAddr())) {
      return true;
    }
    return role.isPresent() && HealthServlet.signIn(req) && req.isUserInRole(role.get());
  }
}
