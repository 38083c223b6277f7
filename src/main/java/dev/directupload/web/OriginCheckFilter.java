package dev.directupload.web;

import dev.directupload.config.Settings;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.ErrorCode;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Refuses state-changing API calls made by pages of other sites (cross-site request forgery):
 * a browser names the calling page's origin in {@code Origin}, and only our own origin, the
 * configured public origin and {@code allowed-origins} may start, complete or delete uploads.
 * Clients that are not browsers send no {@code Origin} and are not affected.
 */
final class OriginCheckFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

  private final Set<String> allowed = new HashSet<>();

  OriginCheckFilter(Settings settings) {
    settings.publicOrigin().ifPresent(allowed::add);
    allowed.addAll(settings.allowedOrigins());
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    if (SAFE_METHODS.contains(req.getMethod()) || isAllowed(req)) {
      chain.doFilter(req, resp);
      return;
    }
    Json.writeError(resp, new ApiException(ErrorCode.FORBIDDEN_ORIGIN, "Requests from "
        + printable(req.getHeader("Origin")) + " may not change uploads here; add the origin"
        + " to allowed-origins if it is yours."));
  }

  private boolean isAllowed(HttpServletRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null) {
      // Old browsers omit Origin on same-origin requests; Fetch Metadata still tells cross-site.
      return !"cross-site".equals(req.getHeader("Sec-Fetch-Site"));
    }
    String normalised = origin.trim().toLowerCase(Locale.ROOT);
    return normalised.equals(Origins.of(req)) || allowed.contains(normalised);
  }

  private static String printable(String origin) {
    if (origin == null) {
      return "another site";
    }
    String cut = origin.length() > 100 ? origin.substring(0, 100) + "…" : origin;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
