package dev.directupload.browser;

import dev.directupload.testing.WholeBody;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/** A request whose body a test filter has read, for the app to read again as if nobody had. */
final class ReplayedBody extends HttpServletRequestWrapper {
  private final byte[] body;

  ReplayedBody(HttpServletRequest request, byte[] body) {
    super(request);
    this.body = body;
  }

  @Override
  public ServletInputStream getInputStream() {
    return new WholeBody(body);
  }
}
