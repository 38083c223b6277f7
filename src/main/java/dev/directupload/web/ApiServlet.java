package dev.directupload.web;

import dev.directupload.upload.ApiException;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * Base of every API servlet: routes by method and path, and makes sure every failure leaves as
 * a JSON error. {@code sendError} is never used: containers answer it with an HTML page.
 */
abstract class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final System.Logger LOG = System.getLogger(ApiServlet.class.getName());

  /** Handles one request; {@code path} is the part after the servlet's mapping, split on '/'. */
  abstract void handle(String method, List<String> path, HttpServletRequest req,
      HttpServletResponse resp) throws IOException;

  @Override
  protected final void service(HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    try {
      handle(req.getMethod(), segments(req.getPathInfo()), req, resp);
    } catch (ApiException e) {
      if (!resp.isCommitted()) {
        Json.writeError(resp, e);
      }
    } catch (RuntimeException e) {
      // A bug, not a client's mistake: the log gets everything, the client nothing it could use.
      LOG.log(System.Logger.Level.ERROR, "Unexpected failure in " + req.getMethod() + " "
          + req.getRequestURI(), e);
      if (!resp.isCommitted()) {
        resp.reset();
        Json.writeError(resp, new ApiException(ErrorCode.INTERNAL_ERROR));
      }
    }
  }

  /** The authenticated user, or the one anonymous owner when the container authenticates nobody. */
  static String owner(HttpServletRequest req) {
    String user = req.getRemoteUser();
    return user == null || user.isEmpty() ? UploadService.ANONYMOUS : user;
  }

  /** Answers 405 with the methods this path does support. */
  static ApiException methodNotAllowed(HttpServletResponse resp, String method, String allowed) {
    resp.setHeader("Allow", allowed);
    return new ApiException(ErrorCode.METHOD_NOT_ALLOWED,
        method.replaceAll("[^A-Za-z]", "?") + " is not allowed here; use " + allowed);
  }

  /** For a resource that is a single GET: another path is 404, another method 405. */
  static void requireGetWithoutSubpath(String method, List<String> path, HttpServletRequest req,
      HttpServletResponse resp) {
    if (!path.isEmpty()) {
      throw noSuchPath(req);
    }
    if (!method.equals("GET")) {
      throw methodNotAllowed(resp, method, "GET");
    }
  }

  static ApiException noSuchPath(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String shown = uri.length() > 100 ? uri.substring(0, 100) + "…" : uri;
    return new ApiException(ErrorCode.NOT_FOUND, "No API at " + shown.replaceAll("\\p{Cntrl}", "?"));
  }

  private static List<String> segments(String pathInfo) {
    if (pathInfo == null || pathInfo.equals("/")) {
      return List.of();
    }
    return List.of(pathInfo.substring(1).split("/", -1));
  }
}
