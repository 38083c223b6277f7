package dev.directupload.web;

import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Limits, per authenticated user or per anonymous caller's network, what a caller can make this
 * server and its store do: presigns ({@code POST api/uploads}: every URL handed out is storage
 * someone can fill) at {@code rate-limit} a minute, and the calls that reach the store
 * (complete, delete, download, parts) at {@link #STORE_CALLS_FACTOR} times that. Uppy's
 * {@code s3/} routes count the same way: {@code s3/params} and {@code POST s3/multipart} are
 * presigns, the others store calls. Listing the
 * caller's own files and pending uploads reads only the index and is not limited.
 */
final class RateLimitFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  /** A legitimate client completes, lists parts or downloads a few times per presign at most. */
  static final int STORE_CALLS_FACTOR = 4;

  private final transient RateLimiter presigns;
  private final transient RateLimiter storeCalls;
  private final int perMinute;

  RateLimitFilter(int perMinute) {
    this.presigns = new RateLimiter(perMinute, System::nanoTime);
    this.storeCalls = new RateLimiter(perMinute * STORE_CALLS_FACTOR, System::nanoTime);
    this.perMinute = perMinute;
  }

  /** Uppy starts an upload with {@code GET s3/params} (a form) or {@code POST s3/multipart}. */
  private static boolean isCompanionPresign(HttpServletRequest req) {
    return ("GET".equals(req.getMethod()) && "/params".equals(req.getPathInfo()))
        || ("POST".equals(req.getMethod()) && "/multipart".equals(req.getPathInfo()));
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    boolean root = req.getPathInfo() == null || "/".equals(req.getPathInfo());
    boolean companion = "/s3".equals(req.getServletPath());
    boolean presign = companion ? isCompanionPresign(req)
        : "POST".equals(req.getMethod()) && root && "/api/uploads".equals(req.getServletPath());
    boolean indexOnly = !companion && "GET".equals(req.getMethod()) && root;
    if (!indexOnly) {
      String user = req.getRemoteUser();
      String client = user != null ? Caller.user(user).client()
          : Caller.anonymous(req.getRemoteAddr()).client();
      long wait = (presign ? presigns : storeCalls).acquire(client);
      if (wait > 0) {
        String what = presign ? "At most " + perMinute + " uploads may start per minute"
            : "At most " + perMinute * STORE_CALLS_FACTOR + " requests for uploads and files"
                + " may be made per minute";
        ApiException tooMany = new ApiException(ErrorCode.TOO_MANY_REQUESTS, what
            + "; try again in " + wait + " s.", (int) wait);
        if (companion) {
          Json.writeCompanionError(resp, tooMany);
        } else {
          Json.writeError(resp, tooMany);
        }
        return;
      }
    }
    chain.doFilter(req, resp);
  }
}
