package dev.directupload.events;

import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Something that happened to an upload, as the host application hears of it.
 *
 * <p>{@code data} holds JSON values only: {@code String}, {@code Long} (other integral numbers are
 * widened to it), {@code Double} (finite), {@code Boolean}, {@code null}, and maps with string
 * keys and lists of the same. They are copied, so an event never changes, and stored in the forms
 * they take when read back, so an event equals itself after a trip through the outbox.
 *
 * @param id the Standard Webhooks message id ({@code webhook-id}), the same on every attempt
 * @param type e.g. {@link #UPLOAD_COMPLETED}
 * @param timestamp when it happened
 * @param subject the upload id: the events of one subject are delivered in the order recorded
 */
public record Event(String id, String type, Instant timestamp, String subject,
    Map<String, Object> data) {

  public static final String UPLOAD_COMPLETED = "upload.completed";
  public static final String UPLOAD_DELETED = "upload.deleted";
  public static final String UPLOAD_EXPIRED = "upload.expired";

  /** Ids and subjects end up in object keys and headers: keep them to base64url characters. */
  private static final Pattern TOKEN = Pattern.compile("[A-Za-z0-9_-]{1,100}");
  private static final Pattern TYPE = Pattern.compile("[a-z][a-z0-9._-]{0,99}");
  private static final SecureRandom RANDOM = new SecureRandom();

  public Event {
    check(TOKEN, "id", id);
    check(TYPE, "type", type);
    check(TOKEN, "subject", subject);
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(data, "data");
    data = copyObject(data, "data");
  }

  /**
   * A new event with a fresh id: {@code evt_} and 22 base64url characters (128 random bits), and
   * {@code at} to the millisecond (the payload's {@code timestamp}).
   */
  public static Event create(String type, String subject, Map<String, ?> data, Instant at) {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    String id = "evt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    @SuppressWarnings("unchecked")
    Map<String, Object> values = (Map<String, Object>) data;
    return new Event(id, type, at.truncatedTo(ChronoUnit.MILLIS), subject, values);
  }

  /**
   * The webhook's body: {@code {"type","timestamp","data"}}, timestamp in ISO-8601 UTC. The same
   * text for the same event, so every attempt sends the same bytes.
   */
  public String webhookBody() {
    return EventJson.webhookBody(this);
  }

  /** The event as the outbox stores it (id and subject included). */
  public String toJson() {
    return EventJson.GSON.toJson(this);
  }

  /** Reads what {@link #toJson} wrote; throws {@link IllegalArgumentException} if it cannot. */
  public static Event fromJson(String json) {
    return EventJson.read(json, Event.class);
  }

  private static void check(Pattern pattern, String name, String value) {
    if (value == null || !pattern.matcher(value).matches()) {
      throw new IllegalArgumentException("Event " + name + " must match " + pattern.pattern()
          + " but was " + (value == null ? "null" : "'" + value + "'"));
    }
  }

  private static Map<String, Object> copyObject(Map<?, ?> map, String path) {
    Map<String, Object> copy = new LinkedHashMap<>();
    map.forEach((key, value) -> {
      if (!(key instanceof String name)) {
        throw new IllegalArgumentException("Event " + path + " has a key that is not a string: "
            + key);
      }
      copy.put(name, copyValue(value, path + "." + name));
    });
    return Collections.unmodifiableMap(copy);
  }

  private static Object copyValue(Object value, String path) {
    if (value == null || value instanceof String || value instanceof Boolean
        || value instanceof Long) {
      return value;
    }
    if (value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return ((Number) value).longValue();
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("Event " + path + " must be a finite number (JSON has"
            + " no NaN or infinity) but was " + d);
      }
      return d;
    }
    if (value instanceof Map<?, ?> map) {
      return copyObject(map, path);
    }
    if (value instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        copy.add(copyValue(list.get(i), path + "[" + i + "]"));
      }
      return Collections.unmodifiableList(copy);
    }
    throw new IllegalArgumentException("Event " + path + " must be a JSON value (String, Long,"
        + " Double, Boolean, null, Map or List) but was a " + value.getClass().getName());
  }
}
