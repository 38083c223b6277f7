package dev.directupload.web;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * Headers that make the browser enforce what the page already does: scripts and styles only from
 * files of ours, uploads and thumbnails only to and from the bucket, no framing, no sniffing,
 * no referrer (a presigned URL in a Referer header would leak a credential).
 */
final class SecurityHeadersFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;

  private final String contentSecurityPolicy;

  /** {@code bucketOrigin} is where presigned URLs point: the page PUTs there and loads images. */
  SecurityHeadersFilter(String bucketOrigin) {
    this.contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; "
        + "img-src 'self' data: blob: " + bucketOrigin + "; "
        + "connect-src 'self' " + bucketOrigin + "; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  }

  String contentSecurityPolicy() {
    return contentSecurityPolicy;
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    resp.setHeader("Content-Security-Policy", contentSecurityPolicy);
    resp.setHeader("X-Content-Type-Options", "nosniff");
    resp.setHeader("X-Frame-Options", "DENY");
    resp.setHeader("Referrer-Policy", "no-referrer");
    resp.setHeader("Cross-Origin-Opener-Policy", "same-origin");
    chain.doFilter(req, resp);
  }
}
