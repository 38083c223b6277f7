package dev.directupload.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Captures the audit trail's lines as java.util.logging delivers them, as a handler would. */
public final class AuditCapture extends Handler implements AutoCloseable {
  /** Held here: java.util.logging keeps its loggers only weakly. */
  private final Logger logger = Logger.getLogger("dev.directupload.audit");
  private final List<String> lines = new CopyOnWriteArrayList<>();

  public AuditCapture() {
    setLevel(Level.ALL);
    logger.addHandler(this);
  }

  @Override
  public void publish(LogRecord record) {
    lines.add(record.getMessage());
  }

  /** Every line captured, as written. */
  public List<String> lines() {
    return List.copyOf(lines);
  }

  /** Every line captured, parsed: each must be one JSON object. */
  public List<JsonObject> json() {
    return lines.stream().map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
  }

  /** The lines of {@code action}, in order. */
  public List<JsonObject> of(String action) {
    return json().stream().filter(j -> j.get("action").getAsString().equals(action)).toList();
  }

  @Override
  public void flush() {
  }

  @Override
  public void close() {
    logger.removeHandler(this);
  }
}
