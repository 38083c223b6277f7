package dev.directupload.web;

import dev.directupload.config.Settings;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;

/**
 * Lets the pages of {@code allowed-origins} use the API, Companion's {@code s3/} routes (Uppy)
 * and import the client module ({@code js/client.js}) from another origin: the answer names the origin (never {@code *}),
 * allows credentials (the user's session or Basic login goes with the request), and a preflight
 * is answered here and kept by the browser for an hour. Every other origin gets no CORS header,
 * so browsers keep its pages out as before; {@link OriginCheckFilter} still refuses their
 * state-changing calls.
 */
final class CorsFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;
  static final String ALLOWED_METHODS = "GET, POST, DELETE";
  /** What our client and Uppy send (Uppy 5 may add Authorization through its headers option). */
  static final String ALLOWED_HEADERS = "content-type, accept, authorization";
  /** A browser keeps a preflight's answer at most this long (Chromium caps it at 2 hours). */
  static final String PREFLIGHT_CACHE_SECONDS = "3600";

  private final Set<String> allowed;

  CorsFilter(Settings settings) {
    this.allowed = Set.copyOf(settings.allowedOrigins());
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    String origin = req.getHeader("Origin");
    if (origin == null || !allowed.contains(origin.trim().toLowerCase(Locale.ROOT))) {
      chain.doFilter(req, resp);
      return;
    }
    resp.setHeader("Access-Control-Allow-Origin", origin.trim());
    resp.setHeader("Access-Control-Allow-Credentials", "true");
    resp.addHeader("Vary", "Origin");
    if ("OPTIONS".equals(req.getMethod())
        && req.getHeader("Access-Control-Request-Method") != null) {
      resp.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
      resp.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      resp.setHeader("Access-Control-Max-Age", PREFLIGHT_CACHE_SECONDS);
      resp.setStatus(204);
      return;
    }
    resp.setHeader("Access-Control-Expose-Headers", "Retry-After, Location");
    chain.doFilter(req, resp);
  }
}
