package dev.directupload.web;

import dev.directupload.upload.ApiException;
import dev.directupload.upload.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Limits presigns ({@code POST api/uploads}) per authenticated user, or per address for anonymous
 * callers: signing is cheap for us, but every URL handed out is storage someone can fill.
 */
final class RateLimitFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;

  private final transient RateLimiter limiter;
  private final int perMinute;

  RateLimitFilter(int perMinute) {
    this.limiter = new RateLimiter(perMinute, System::nanoTime);
    this.perMinute = perMinute;
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    boolean presign = "POST".equals(req.getMethod())
        && (req.getPathInfo() == null || "/".equals(req.getPathInfo()));
    if (presign) {
      String user = req.getRemoteUser();
      long wait = limiter.acquire(user != null ? "user:" + user : "address:" + req.getRemoteAddr());
      if (wait > 0) {
        Json.writeError(resp, new ApiException(ErrorCode.TOO_MANY_REQUESTS, "At most "
            + perMinute + " uploads may start per minute; try again in " + wait + " s.",
            (int) wait));
        return;
      }
    }
    chain.doFilter(req, resp);
  }
}
