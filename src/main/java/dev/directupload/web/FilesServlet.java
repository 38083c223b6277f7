package dev.directupload.web;

import dev.directupload.registry.FilePage;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** {@code api/files}: the completed files, newest first, and {@code {id}/download}. */
final class FilesServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;

  private final transient UploadService service;
  private final transient Callers callers;

  FilesServlet(UploadService service, Callers callers) {
    this.service = service;
    this.callers = callers;
  }

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    boolean list = path.isEmpty();
    boolean download = path.size() == 2 && path.get(1).equals("download");
    if (!list && !download) {
      throw noSuchPath(req);
    }
    if (!method.equals("GET")) {
      throw methodNotAllowed(resp, method, "GET");
    }
    Caller caller = callers.of(req);
    if (list) {
      FilePage page = service.files(caller, limit(req.getParameter("limit")),
          Optional.ofNullable(req.getParameter("cursor")));
      Json.write(resp, 200, new Views.FilesView(
          page.files().stream().map(u -> Views.file(u, service)).toList(),
          page.nextCursor().orElse(null), service.isIndexComplete()));
    } else {
      String location = service.downloadUrl(caller, path.get(0)).toString();
      resp.setStatus(302);
      resp.setHeader("Location", location);
      resp.setHeader("Cache-Control", "no-store");
    }
  }

  private static Integer limit(String raw) {
    if (raw == null) {
      return null;
    }
    try {
      return Integer.valueOf(raw);
    } catch (NumberFormatException e) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "expected limit to be a whole number 1.."
          + UploadService.MAX_PAGE_SIZE + " but was '"
          + (raw.length() > 20 ? raw.substring(0, 20) + "…" : raw).replaceAll("\\p{Cntrl}", "?")
          + "'");
    }
  }
}
