package dev.directupload.web;

import dev.directupload.upload.ClientConfig;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/** {@code api/config}: the limits the page checks before it asks for anything. */
final class ConfigServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient UploadService service;
  private final transient Callers callers;

  ConfigServlet(UploadService service, Callers callers) {
    this.service = service;
    this.callers = callers;
  }

  /** {@code partSize} is the usual one; a file too large for 10,000 of them gets larger parts. */
  record ConfigView(long maxFileSize, String maxFileSizeText, List<String> allowedTypes,
      Map<String, List<String>> extensions, long urlExpirySeconds, long multipartThreshold,
      long partSize, ClientConfig.Quota quota) {}

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    requireGetWithoutSubpath(method, path, req, resp);
    ClientConfig c = service.clientConfig(callers.of(req));
    Json.write(resp, 200, new ConfigView(c.maxFileSize(), c.maxFileSizeText(), c.allowedTypes(),
        c.extensions(), c.urlExpirySeconds(), c.multipartThreshold(), c.partSize(),
        c.quota().orElse(null)));
  }
}
