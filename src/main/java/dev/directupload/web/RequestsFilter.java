package dev.directupload.web;

import dev.directupload.ops.Operation;
import dev.directupload.ops.RequestMetrics;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.UploadIds;
import dev.directupload.upload.UploadObserver;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Optional;

/**
 * Watches every API request to its end, the asynchronous ones (whose body is read after the
 * filter chain returns) included: counts it by operation and outcome and times it, when metrics
 * are on, and writes a refused request on an upload to the audit trail. First in the chain, so
 * the other filters' refusals (origin, rate limit) are seen too; what the container refuses
 * itself (a missing login, a missing role) never reaches it.
 */
final class RequestsFilter extends HttpFilter {
  private static final long serialVersionUID = 1L;

  private final transient Optional<RequestMetrics> metrics;
  private final transient UploadObserver observer;

  RequestsFilter(Optional<RequestMetrics> metrics, UploadObserver observer) {
    this.metrics = metrics;
    this.observer = observer;
  }

  @Override
  protected void doFilter(HttpServletRequest req, HttpServletResponse resp, FilterChain chain)
      throws IOException, ServletException {
    long start = System.nanoTime();
    ObservedResponse observed = new ObservedResponse(resp);
    boolean failed = true;
    try {
      chain.doFilter(req, observed);
      failed = false;
    } finally {
      if (!failed && req.isAsyncStarted()) {
        // Still running: its body arrives later, or it is being answered on another thread.
        // A completion called meanwhile waits for this dispatch to return, so this is in time.
        watch(req, observed, start);
      } else {
        finished(req, observed, start, failed);
      }
    }
  }

  private void watch(HttpServletRequest req, ObservedResponse observed, long start) {
    try {
      req.getAsyncContext().addListener(new AsyncListener() {
        @Override
        public void onComplete(AsyncEvent event) {
          finished(req, observed, start, false);
        }

        @Override
        public void onTimeout(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }
      });
    } catch (IllegalStateException e) {
      finished(req, observed, start, false); // it ended meanwhile: the answer is written
    }
  }

  /** {@code failed}: the chain threw, and the container answers 500 with its own page. */
  private void finished(HttpServletRequest req, ObservedResponse resp, long start,
      boolean failed) {
    if (!resp.finish()) {
      return;
    }
    Operation op = operation(req);
    ApiException error = resp.error();
    ErrorCode code = error == null ? null : error.code();
    int status = failed ? 500 : resp.getStatus();
    metrics.ifPresent(m -> m.record(op, status, code, System.nanoTime() - start));
    if (error != null && op.isAudited()) {
      String user = req.getRemoteUser();
      Caller caller = user == null || user.isEmpty() ? Caller.anonymous(req.getRemoteAddr())
          : Caller.user(user, req.getRemoteAddr());
      observer.refused(caller, op.label(), uploadId(req), error);
    }
  }

  /** What the request asked for, from its method and path; {@link Operation#OTHER} if nothing. */
  /**
   * Uppy's routes as the same operations: a form or a new multipart upload is a presign, a part
   * URL (one or a batch) is parts, the list of stored parts parts_list.
   */
  private static Operation companionOperation(String method, String info) {
    if (info == null) {
      return Operation.OTHER;
    }
    String[] path = info.substring(1).split("/", -1);
    boolean multipart = path[0].equals("multipart");
    return switch (method + " " + path.length) {
      case "GET 1" -> path[0].equals("params") ? Operation.PRESIGN : Operation.OTHER;
      case "POST 1" -> multipart ? Operation.PRESIGN : Operation.OTHER;
      case "GET 2" -> multipart ? Operation.PARTS_LIST : Operation.OTHER;
      case "DELETE 2" -> multipart ? Operation.DELETE : Operation.OTHER;
      case "GET 3" -> multipart && !path[2].equals("complete") ? Operation.PARTS
          : Operation.OTHER;
      case "POST 3" -> multipart && path[2].equals("complete") ? Operation.COMPLETE
          : Operation.OTHER;
      default -> Operation.OTHER;
    };
  }

  static Operation operation(HttpServletRequest req) {
    String method = req.getMethod();
    if ("OPTIONS".equals(method)) {
      return Operation.PREFLIGHT;
    }
    String info = req.getPathInfo();
    boolean root = info == null || info.equals("/");
    boolean get = "GET".equals(method);
    switch (req.getServletPath()) {
      case "/api/uploads" -> {
        if (root) {
          return "POST".equals(method) ? Operation.PRESIGN : get ? Operation.PENDING
              : Operation.OTHER;
        }
        int second = info.indexOf('/', 1);
        if (second < 0) {
          return "DELETE".equals(method) ? Operation.DELETE : Operation.OTHER;
        }
        String rest = info.substring(second);
        if (rest.equals("/complete") && "POST".equals(method)) {
          return Operation.COMPLETE;
        }
        if (rest.equals("/parts")) {
          return "POST".equals(method) ? Operation.PARTS : get ? Operation.PARTS_LIST
              : Operation.OTHER;
        }
        return Operation.OTHER;
      }
      case "/api/files" -> {
        if (get && root) {
          return Operation.LIST;
        }
        int second = root ? -1 : info.indexOf('/', 1);
        return get && second > 0 && info.substring(second).equals("/download")
            ? Operation.DOWNLOAD : Operation.OTHER;
      }
      case "/s3" -> {
        return companionOperation(method, info);
      }
      case "/api/config" -> {
        return get && root ? Operation.CONFIG : Operation.OTHER;
      }
      case "/api/health" -> {
        return root ? Operation.HEALTH : Operation.OTHER;
      }
      case "/api/health/live" -> {
        return Operation.LIVE;
      }
      case "/api/health/ready" -> {
        return Operation.READY;
      }
      case "/api/metrics" -> {
        return Operation.METRICS;
      }
      default -> {
        return Operation.OTHER;
      }
    }
  }

  /** The upload id a path names, when it is well formed (anything else is a client's text). */
  private static String uploadId(HttpServletRequest req) {
    String info = req.getPathInfo();
    if (info == null || info.length() < 2) {
      return null;
    }
    int end = info.indexOf('/', 1);
    String id = info.substring(1, end < 0 ? info.length() : end);
    return UploadIds.isWellFormed(id) ? id : null;
  }
}
