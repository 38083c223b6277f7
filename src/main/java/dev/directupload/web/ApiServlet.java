package dev.directupload.web;

import com.google.gson.JsonElement;
import dev.directupload.registry.RegistryUnavailableException;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.ErrorCode;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Base of every API servlet: routes by method and path, reads request bodies without holding a
 * thread, and makes sure every failure leaves as a JSON error. {@code sendError} is never used:
 * containers answer it with an HTML page.
 */
abstract class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final System.Logger LOG = System.getLogger(ApiServlet.class.getName());
  private static final LogThrottle DATABASE_WARNINGS = new LogThrottle(Duration.ofSeconds(30));

  /** Handles one request; {@code path} is the part after the servlet's mapping, split on '/'. */
  abstract void handle(String method, List<String> path, HttpServletRequest req,
      HttpServletResponse resp) throws IOException;

  @Override
  protected final void service(HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    answering(req, resp, () -> handle(req.getMethod(), segments(req.getPathInfo()), req, resp));
  }

  /**
   * Answers an error: our one JSON error shape, unless a servlet speaks someone else's protocol
   * (Companion's, for Uppy) and must answer errors its way.
   */
  void writeError(HttpServletResponse resp, ApiException e) throws IOException {
    Json.writeError(resp, e);
  }

  /** Runs {@code work}, turning whatever it throws into the one JSON error shape. */
  private void answering(HttpServletRequest req, HttpServletResponse resp, Work work)
      throws IOException {
    try {
      work.run();
    } catch (ApiException e) {
      if (!resp.isCommitted()) {
        writeError(resp, e);
      }
    } catch (RegistryUnavailableException e) {
      // The database is down or not ready: the client may try again. Every request would say
      // so while it lasts: one warning with the cause every so often, the rest at DEBUG.
      boolean loud = DATABASE_WARNINGS.due();
      LOG.log(loud ? System.Logger.Level.WARNING : System.Logger.Level.DEBUG,
          "Database unavailable in " + req.getMethod() + " " + req.getRequestURI() + ": "
              + e.getMessage(), loud ? e.getCause() : null);
      if (!resp.isCommitted()) {
        writeError(resp, new ApiException(ErrorCode.DATABASE_UNAVAILABLE,
            "The database is not available right now; try again shortly."));
      }
    } catch (RuntimeException e) {
      // A bug, not a client's mistake: the log gets everything, the client nothing it could use.
      LOG.log(System.Logger.Level.ERROR, "Unexpected failure in " + req.getMethod() + " "
          + req.getRequestURI(), e);
      if (!resp.isCommitted()) {
        resp.reset();
        writeError(resp, new ApiException(ErrorCode.INTERNAL_ERROR));
      }
    }
  }

  @FunctionalInterface
  interface Work {
    void run() throws IOException;
  }

  /** What to do with a request's JSON object once it has arrived. */
  @FunctionalInterface
  interface BodyHandler {
    void handle(Map<String, JsonElement> body) throws IOException;
  }

  /**
   * Reads the request's JSON object without holding a request thread while its bytes trickle in
   * (Servlet non-blocking I/O), then answers with {@code then}. A body that has not arrived in
   * full within {@code deadline} is answered 408: slow senders cannot take every thread. Type
   * and declared length are checked before anything is read.
   */
  void withJsonBody(HttpServletRequest req, HttpServletResponse resp, Duration deadline,
      BodyHandler then) throws IOException {
    withJsonBody(req, resp, deadline, Json.MAX_BODY_BYTES, then);
  }

  /** The same, for a body of up to {@code maxBytes}. */
  void withJsonBody(HttpServletRequest req, HttpServletResponse resp, Duration deadline,
      int maxBytes, BodyHandler then) throws IOException {
    Json.checkBodyHeaders(req, maxBytes);
    AsyncContext async = req.startAsync();
    async.setTimeout(deadline.toMillis());
    AtomicBoolean answered = new AtomicBoolean();
    async.addListener(new AsyncListener() {
      @Override
      public void onTimeout(AsyncEvent event) throws IOException {
        if (answered.compareAndSet(false, true)) {
          if (!resp.isCommitted()) {
            // The connection cannot be reused: the rest of the body may still come.
            resp.setHeader("Connection", "close");
            writeError(resp, new ApiException(ErrorCode.BODY_TIMEOUT, "The request body did"
                + " not arrive within " + deadline.toSeconds() + " s."));
          }
          async.complete();
        }
      }

      @Override
      public void onError(AsyncEvent event) {
        if (answered.compareAndSet(false, true)) {
          async.complete();
        }
      }

      @Override
      public void onComplete(AsyncEvent event) {
      }

      @Override
      public void onStartAsync(AsyncEvent event) {
      }
    });
    ServletInputStream in = req.getInputStream();
    in.setReadListener(new ReadListener() {
      private final ByteArrayOutputStream body = new ByteArrayOutputStream(256);
      private final byte[] chunk = new byte[4096];

      @Override
      public void onDataAvailable() throws IOException {
        while (in.isReady() && !in.isFinished()) {
          int n = in.read(chunk);
          if (n < 0) {
            break;
          }
          body.write(chunk, 0, n);
          if (body.size() > maxBytes) {
            finish(() -> {
              throw Json.tooLarge(maxBytes);
            });
            return;
          }
        }
      }

      @Override
      public void onAllDataRead() throws IOException {
        finish(() -> then.handle(Json.parseObject(body.toByteArray(), maxBytes)));
      }

      @Override
      public void onError(Throwable t) {
        if (answered.compareAndSet(false, true)) {
          async.complete();
        }
      }

      private void finish(Work work) throws IOException {
        if (answered.compareAndSet(false, true)) {
          try {
            answering(req, resp, work);
          } finally {
            async.complete();
          }
        }
      }
    });
  }

  /** Answers 405 with the methods this path does support. */
  static ApiException methodNotAllowed(HttpServletResponse resp, String method, String allowed) {
    resp.setHeader("Allow", allowed);
    return new ApiException(ErrorCode.METHOD_NOT_ALLOWED,
        method.replaceAll("[^A-Za-z]", "?") + " is not allowed here; use " + allowed);
  }

  /** For a resource that is a single GET: another path is 404, another method 405. */
  static void requireGetWithoutSubpath(String method, List<String> path, HttpServletRequest req,
      HttpServletResponse resp) {
    if (!path.isEmpty()) {
      throw noSuchPath(req);
    }
    if (!method.equals("GET")) {
      throw methodNotAllowed(resp, method, "GET");
    }
  }

  static ApiException noSuchPath(HttpServletRequest req) {
    String uri = req.getRequestURI();
    String shown = uri.length() > 100 ? uri.substring(0, 100) + "…" : uri;
    return new ApiException(ErrorCode.NOT_FOUND, "No API at " + shown.replaceAll("\\p{Cntrl}", "?"));
  }

  private static List<String> segments(String pathInfo) {
    if (pathInfo == null || pathInfo.equals("/")) {
      return List.of();
    }
    return List.of(pathInfo.substring(1).split("/", -1));
  }
}
