package dev.directupload.ops;

import com.google.gson.stream.JsonWriter;
import dev.directupload.registry.Upload;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.UploadObserver;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * The audit trail: one JSON line per presign, complete, delete, expiry and refusal, logged at
 * INFO by the logger {@value #LOGGER} through the container's logging, so that an operator can
 * send it to a file of its own. A line says when, what, with which outcome, who (owner and
 * client address) and on which upload (id, key, size, type) as far as these are known. It never
 * holds a URL, a signature, a secret or a request header: nothing here is ever given one.
 */
public final class AuditTrail implements UploadObserver {
  public static final String LOGGER = "dev.directupload.audit";
  private static final System.Logger LOG = System.getLogger(LOGGER);

  private final Clock clock;

  public AuditTrail(Clock clock) {
    this.clock = clock;
  }

  @Override
  public void presigned(Caller caller, Upload upload) {
    if (on()) {
      write(line("presign", "ok", caller).upload(upload)
          .field("multipart", upload.multipart().isPresent()));
    }
  }

  @Override
  public void completed(Caller caller, Upload upload) {
    if (on()) {
      write(line("complete", "ok", caller).upload(upload));
    }
  }

  @Override
  public void deleted(Caller caller, Upload upload) {
    if (on()) {
      write(line("delete", "ok", caller).upload(upload)
          .field("state", upload.isCompleted() ? "completed" : "pending"));
    }
  }

  @Override
  public void expired(Upload upload, boolean completed) {
    if (on()) {
      write(line("expire", completed ? "completed" : "dropped", null)
          .field("owner", upload.owner()).upload(upload));
    }
  }

  /**
   * {@code operation} is an {@link Operation} label; {@code uploadId} the id the request named
   * (only a well-formed one is written: anything else is a client's text), or null. The error's
   * message is not written: it may quote what the client sent, a header included.
   */
  @Override
  public void refused(Caller caller, String operation, String uploadId, ApiException error) {
    if (on()) {
      Line line = line(operation, error.code().name(), caller);
      if (uploadId != null) {
        line.field("uploadId", uploadId);
      }
      write(line);
    }
  }

  private static boolean on() {
    return LOG.isLoggable(System.Logger.Level.INFO);
  }

  private Line line(String action, String outcome, Caller caller) {
    Line line = new Line();
    line.field("time", clock.instant().toString()).field("action", action)
        .field("outcome", outcome);
    if (caller != null) {
      line.field("owner", caller.owner());
      if (!caller.address().isEmpty()) {
        line.field("client", caller.address());
      }
    }
    return line;
  }

  private static void write(Line line) {
    LOG.log(System.Logger.Level.INFO, line.end());
  }

  /** One JSON object on one line; Gson escapes every character a log line must not hold. */
  private static final class Line {
    private final StringWriter text = new StringWriter(256);
    private final JsonWriter json = new JsonWriter(text);

    Line() {
      json.setHtmlSafe(false);
      run(json::beginObject);
    }

    Line field(String name, String value) {
      run(() -> json.name(name).value(value));
      return this;
    }

    Line field(String name, long value) {
      run(() -> json.name(name).value(value));
      return this;
    }

    Line field(String name, boolean value) {
      run(() -> json.name(name).value(value));
      return this;
    }

    Line upload(Upload upload) {
      return field("uploadId", upload.id()).field("key", upload.key())
          .field("size", upload.size()).field("type", upload.contentType());
    }

    String end() {
      run(json::endObject);
      return text.toString();
    }

    private static void run(JsonStep step) {
      try {
        step.run();
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a StringWriter does not fail
      }
    }

    @FunctionalInterface
    private interface JsonStep {
      void run() throws IOException;
    }
  }
}
