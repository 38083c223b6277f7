package dev.directupload.web;

import dev.directupload.config.Settings;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Who a request comes from: the user the container authenticated, or an anonymous caller
 * counted by address. With authentication on, the name {@code anonymous} is refused: it is the
 * owner of every file uploaded while authentication was off, and a user of that name would
 * see them all.
 */
final class Callers {
  private final boolean authenticated;
  /** The request headers the pre-create hook is shown. */
  private final List<String> hookHeaders;

  Callers(Settings settings) {
    this.authenticated = settings.authRole().isPresent();
    this.hookHeaders = settings.preCreateHookUrl().isPresent()
        ? settings.preCreateHookHeaders() : List.of();
  }

  Caller of(HttpServletRequest req) {
    return identify(req).withHeaders(headers(req));
  }

  private Caller identify(HttpServletRequest req) {
    String user = req.getRemoteUser();
    if (user == null || user.isEmpty()) {
      return Caller.anonymous(req.getRemoteAddr());
    }
    if (authenticated && user.equals(UploadService.ANONYMOUS)) {
      throw new ApiException(ErrorCode.FORBIDDEN_USER, "The user name '" + user + "' is"
          + " reserved: it owns the files uploaded without authentication. Sign in as another"
          + " user.");
    }
    return Caller.user(user, req.getRemoteAddr());
  }

  private Map<String, List<String>> headers(HttpServletRequest req) {
    if (hookHeaders.isEmpty()) {
      return Map.of();
    }
    Map<String, List<String>> shown = new LinkedHashMap<>();
    for (String name : hookHeaders) {
      List<String> values = Collections.list(req.getHeaders(name));
      if (!values.isEmpty()) {
        shown.put(name, values);
      }
    }
    return shown;
  }

  /** True when the request carries a user the container authenticated. */
  static boolean isSignedIn(HttpServletRequest req) {
    String user = req.getRemoteUser();
    return user != null && !user.isEmpty();
  }
}
