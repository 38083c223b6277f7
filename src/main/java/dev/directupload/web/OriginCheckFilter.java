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
import java.net.URI;
import java.util.HashSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Refuses API calls that pages of other sites make.
 *
 * <ul>
 *   <li>Cross-site request forgery: a browser names the calling page's origin in
 *       {@code Origin}, and only our own origin, the configured public origin and
 *       {@code allowed-origins} may start, complete or delete uploads (Companion's {@code s3/}
 *       routes sign with GETs, which are checked too). Clients that are not browsers send no
 *       {@code Origin} and are not affected.
 *   <li>DNS rebinding: a page of {@code attacker.example} whose name is made to resolve to this
 *       server is "same-origin" with it as far as the browser knows, and names itself in both
 *       {@code Host} and {@code Origin}. When {@code public-origin} is set, the API answers only
 *       for its host, so such requests are refused whatever they carry. {@code api/health}
 *       stays open to load balancers and probes, which call by address.
 * </ul>
 */
final class OriginCheckFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");

  private final Set<String> allowed = new HashSet<>();
  /** The one host the API answers for; empty when {@code public-origin} is not set. */
  private final Optional<String> publicHost;

  OriginCheckFilter(Settings settings) {
    settings.publicOrigin().ifPresent(allowed::add);
    allowed.addAll(settings.allowedOrigins());
    this.publicHost = settings.publicOrigin()
        .map(origin -> bareHost(URI.create(origin).getHost()));
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    if (publicHost.isPresent() && !isHealth(req)
        && !publicHost.get().equals(bareHost(req.getServerName()))) {
      refuse(req, resp, new ApiException(ErrorCode.WRONG_HOST, "This server answers for "
          + publicHost.get() + " (public-origin), not for " + printable(req.getServerName())
          + "."));
      return;
    }
    if (isSafe(req) || isAllowed(req)) {
      chain.doFilter(req, resp);
      return;
    }
    refuse(req, resp, new ApiException(ErrorCode.FORBIDDEN_ORIGIN, "Requests from "
        + printable(req.getHeader("Origin")) + " may not change uploads here; add the origin"
        + " to allowed-origins if it is yours."));
  }

  /** Our error shape, or Companion's on its routes (Uppy shows its {@code message}). */
  private static void refuse(HttpServletRequest req, HttpServletResponse resp, ApiException e)
      throws IOException {
    if (req.getServletPath().equals("/s3")) {
      Json.writeCompanionError(resp, e);
    } else {
      Json.writeError(resp, e);
    }
  }

  /**
   * Reads change nothing, but Companion's protocol signs with GETs ({@code s3/params} creates an
   * upload): under {@code s3/} only OPTIONS is let through unchecked.
   */
  private static boolean isSafe(HttpServletRequest req) {
    return req.getServletPath().equals("/s3") ? req.getMethod().equals("OPTIONS")
        : SAFE_METHODS.contains(req.getMethod());
  }

  private static boolean isHealth(HttpServletRequest req) {
    String servlet = req.getServletPath() + (req.getPathInfo() == null ? "" : req.getPathInfo());
    return servlet.equals("/api/health") || servlet.startsWith("/api/health/");
  }

  private static String bareHost(String serverName) {
    String host = serverName.toLowerCase(Locale.ROOT);
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1)
        : host;
  }

  private boolean isAllowed(HttpServletRequest req) {
    String origin = req.getHeader("Origin");
    if (origin == null) {
      // Old browsers omit Origin on same-origin requests; Fetch Metadata still tells cross-site.
      return !"cross-site".equals(req.getHeader("Sec-Fetch-Site"));
    }
    String normalised = origin.trim().toLowerCase(Locale.ROOT);
    // With a public origin set, the request's own Host proves nothing (see above).
    return (publicHost.isEmpty() && normalised.equals(Origins.of(req)))
        || allowed.contains(normalised);
  }

  private static String printable(String origin) {
    if (origin == null) {
      return "another site";
    }
    String cut = origin.length() > 100 ? origin.substring(0, 100) + "…" : origin;
    return cut.replaceAll("\\p{Cntrl}", "?");
  }
}
