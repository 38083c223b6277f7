package dev.directupload.web;

import dev.directupload.config.Settings;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Who a request comes from: the user the container authenticated, or an anonymous caller
 * counted by address. With authentication on, the name {@code anonymous} is refused: it is the
 * owner of every file uploaded while authentication was off, and a user of that name would
 * see them all.
 */
final class Callers {
  private final boolean authenticated;

  Callers(Settings settings) {
    this.authenticated = settings.authRole().isPresent();
  }

  Caller of(HttpServletRequest req) {
    String user = req.getRemoteUser();
    if (user == null || user.isEmpty()) {
      return Caller.anonymous(req.getRemoteAddr());
    }
    if (authenticated && user.equals(UploadService.ANONYMOUS)) {
      throw new ApiException(ErrorCode.FORBIDDEN_USER, "The user name '" + user + "' is"
          + " reserved: it owns the files uploaded without authentication. Sign in as another"
          + " user.");
    }
    return Caller.user(user);
  }

  /** True when the request carries a user the container authenticated. */
  static boolean isSignedIn(HttpServletRequest req) {
    String user = req.getRemoteUser();
    return user != null && !user.isEmpty();
  }
}
