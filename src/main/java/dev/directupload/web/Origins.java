package dev.directupload.web;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Locale;

/** Web origins ({@code scheme://host[:port]}) as browsers write them in the {@code Origin} header. */
final class Origins {
  private Origins() {}

  /** The origin this request was addressed to: the page's own origin for same-site calls. */
  static String of(HttpServletRequest req) {
    String scheme = req.getScheme().toLowerCase(Locale.ROOT);
    int port = req.getServerPort();
    boolean defaultPort = port <= 0 || ("http".equals(scheme) && port == 80)
        || ("https".equals(scheme) && port == 443);
    String host = req.getServerName().toLowerCase(Locale.ROOT);
    if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
      host = "[" + host + "]"; // an IPv6 literal
    }
    return scheme + "://" + host + (defaultPort ? "" : ":" + port);
  }

  /** {@code https://Bucket.S3.Amazonaws.com:443/key?x} → {@code https://bucket.s3.amazonaws.com}. */
  static String of(java.net.URI uri) {
    String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
    int port = uri.getPort();
    boolean defaultPort = port < 0 || ("http".equals(scheme) && port == 80)
        || ("https".equals(scheme) && port == 443);
    return scheme + "://" + uri.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
  }
}
