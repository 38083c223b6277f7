package dev.directupload.web;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.List;

/** Everything under {@code api/} that no other servlet claims: a JSON 404, not the container's HTML. */
final class NotFoundServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp) {
    throw noSuchPath(req);
  }
}
