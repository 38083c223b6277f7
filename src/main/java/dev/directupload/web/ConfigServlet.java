package dev.directupload.web;

import dev.directupload.config.Settings;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/** {@code api/config}: the limits the page checks before it asks for anything. */
final class ConfigServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient ConfigView view;

  ConfigServlet(Settings settings) {
    this.view = new ConfigView(settings.maxFileSize(), settings.allowedTypes(),
        settings.urlExpiry().toSeconds(), settings.multipartThreshold(), settings.partSize());
  }

  /** {@code partSize} is the usual one; a file too large for 10,000 of them gets larger parts. */
  record ConfigView(long maxFileSize, List<String> allowedTypes, long urlExpirySeconds,
      long multipartThreshold, long partSize) {}

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    requireGetWithoutSubpath(method, path, req, resp);
    Json.write(resp, 200, view);
  }
}
