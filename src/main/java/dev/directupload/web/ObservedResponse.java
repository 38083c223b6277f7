package dev.directupload.web;

import dev.directupload.upload.ApiException;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ServletResponseWrapper;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The response of a request that {@link RequestsFilter} watches: it remembers the API error
 * written to it (by {@link Json#writeError}, the one place errors are written, whether by a
 * filter or a servlet), so the request is counted and audited by its error code.
 */
final class ObservedResponse extends HttpServletResponseWrapper {
  private volatile ApiException error;
  private final AtomicBoolean finished = new AtomicBoolean();

  ObservedResponse(HttpServletResponse response) {
    super(response);
  }

  /** Notes {@code error} on the observed response under {@code resp}, if there is one. */
  static void note(ServletResponse resp, ApiException error) {
    ServletResponse r = resp;
    while (r instanceof ServletResponseWrapper wrapper) {
      if (wrapper instanceof ObservedResponse observed) {
        observed.error = error;
        return;
      }
      r = wrapper.getResponse();
    }
  }

  /** The last API error written, or null. */
  ApiException error() {
    return error;
  }

  /** True the first time only: a request is counted once, however it ends. */
  boolean finish() {
    return finished.compareAndSet(false, true);
  }
}
