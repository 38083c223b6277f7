package dev.directupload.web;

import dev.directupload.ops.Readiness;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/**
 * {@code api/health/live} and {@code api/health/ready}, for load balancers and Kubernetes: live
 * is 200 whenever the process answers (it depends on nothing); ready is 200 when the instance
 * can serve, else 503 with the one word that says which dependency is not ready. Open to anyone,
 * and cheap enough for a probe every second (see {@link Readiness}).
 */
final class ProbeServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  /** Empty for the liveness probe. */
  private final transient Optional<Readiness> readiness;

  ProbeServlet(Optional<Readiness> readiness) {
    this.readiness = readiness;
  }

  record Up(String status) {}

  record Down(String status, String reason) {}

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    if (!path.isEmpty()) {
      throw noSuchPath(req);
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      throw methodNotAllowed(resp, method, "GET, HEAD");
    }
    Optional<String> notReady = readiness.flatMap(Readiness::notReady);
    if (notReady.isPresent()) {
      Json.write(resp, 503, new Down("DOWN", notReady.get()));
    } else {
      Json.write(resp, 200, new Up("UP"));
    }
  }
}
