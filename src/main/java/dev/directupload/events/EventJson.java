package dev.directupload.events;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.ToNumberPolicy;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/** The package's one Gson, and the JSON forms of events: the webhook body and the stored record. */
final class EventJson {
  /**
   * Nulls are written (a {@code null} in {@code data} is a value); no HTML escaping ({@code <}
   * and {@code =} in a filename stay as they are); numbers read back as {@code Long} when whole,
   * so an event's {@code size} stays an integer; instants as ISO-8601 text in UTC.
   */
  static final Gson GSON = new GsonBuilder()
      .serializeNulls()
      .disableHtmlEscaping()
      .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
      .registerTypeAdapter(Instant.class, new InstantAdapter().nullSafe())
      .create();

  private EventJson() {}

  /** The webhook's body, fields in the order the Standard Webhooks examples use. */
  private record Body(String type, Instant timestamp, Map<String, Object> data) {}

  static String webhookBody(Event event) {
    return GSON.toJson(new Body(event.type(), event.timestamp(), event.data()));
  }

  /**
   * A delivery as the bucket stores it; its position is its key, so it is not repeated here.
   * {@code version} lets a later format be told apart.
   */
  private record Stored(int version, Event event, Instant recordedAt, int attempts,
      Instant nextAttemptAt, String leaseOwner, Instant leaseUntil, String lastError) {}

  static String stored(Delivery d) {
    return GSON.toJson(new Stored(1, d.event(), d.recordedAt(), d.attempts(), d.nextAttemptAt(),
        d.leaseOwner(), d.leaseUntil(), d.lastError().orElse(null)));
  }

  /** Reads what {@link #stored} wrote; throws {@link IllegalArgumentException} if it cannot. */
  static Delivery delivery(String position, String json) {
    Stored s = read(json, Stored.class);
    if (s.version() != 1) {
      throw new IllegalArgumentException("expected a stored delivery of version 1 but was "
          + s.version());
    }
    return new Delivery(position, s.event(), s.recordedAt(), s.attempts(), s.nextAttemptAt(),
        s.leaseOwner(), s.leaseUntil(), Optional.ofNullable(s.lastError()));
  }

  static <T> T read(String json, Class<T> type) {
    T value;
    try {
      value = GSON.fromJson(json, type);
    } catch (JsonParseException e) {
      throw new IllegalArgumentException("expected a JSON " + type.getSimpleName()
          + " but could not read it: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      // A record's constructor refused a value (Gson wraps what it threw): say which.
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException("expected a valid " + type.getSimpleName() + " but "
          + cause.getMessage(), e);
    }
    if (value == null) {
      throw new IllegalArgumentException("expected a JSON " + type.getSimpleName()
          + " but the text was empty or null");
    }
    return value;
  }

  private static final class InstantAdapter extends TypeAdapter<Instant> {
    @Override
    public void write(JsonWriter out, Instant value) throws IOException {
      out.value(value.toString());
    }

    @Override
    public Instant read(JsonReader in) throws IOException {
      if (in.peek() != JsonToken.STRING) {
        throw new JsonParseException("expected an ISO-8601 instant but found " + in.peek()
            + " at " + in.getPath());
      }
      String text = in.nextString();
      try {
        return Instant.parse(text);
      } catch (DateTimeParseException e) {
        throw new JsonParseException("expected an ISO-8601 instant but was '" + text + "'", e);
      }
    }
  }
}
