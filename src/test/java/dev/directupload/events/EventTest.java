package dev.directupload.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** An event is JSON values only, reads back equal to itself, and makes the documented body. */
class EventTest {
  private static final Instant AT = Instant.parse("2026-03-04T05:06:07.123456Z");

  private static Map<String, Object> data() {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("id", "AZK1x2y3z4A5b6C7d8E9fQ");
    data.put("name", "Ünïcødé <photo> & \"more\".jpg");
    data.put("size", 12345678901L);
    data.put("count", 3);
    data.put("ratio", 0.5);
    data.put("public", false);
    data.put("publicUrl", null);
    data.put("tags", Arrays.asList("a", null, Map.of("k", 1)));
    return data;
  }

  @Test
  void readsBackEqualFromItsStoredForm() {
    Event event = Event.create(Event.UPLOAD_COMPLETED, "AZK1x2y3z4A5b6C7d8E9fQ", data(), AT);
    assertEquals(event, Event.fromJson(event.toJson()));
  }

  @Test
  void theBodyIsTypeTimestampAndDataWithNullsKept() {
    Event event = new Event("evt_1", Event.UPLOAD_DELETED, Instant.parse("2026-03-04T05:06:07Z"),
        "s1", Map.of("size", 3));
    assertEquals("{\"type\":\"upload.deleted\",\"timestamp\":\"2026-03-04T05:06:07Z\","
        + "\"data\":{\"size\":3}}", event.webhookBody());
    Map<String, Object> withNull = new HashMap<>();
    withNull.put("publicUrl", null);
    assertEquals("{\"type\":\"upload.deleted\",\"timestamp\":\"2026-03-04T05:06:07Z\","
        + "\"data\":{\"publicUrl\":null}}", new Event("evt_1", Event.UPLOAD_DELETED,
        Instant.parse("2026-03-04T05:06:07Z"), "s1", withNull).webhookBody());
  }

  @Test
  void theBodyKeepsCharactersAsTheyAre() {
    Event event = Event.create(Event.UPLOAD_COMPLETED, "s1", data(), AT);
    assertTrue(event.webhookBody().contains("Ünïcødé <photo> & \\\"more\\\".jpg"),
        event.webhookBody());
  }

  @Test
  void aNewEventHasAFreshIdAndItsTimeToTheMillisecond() {
    Event a = Event.create(Event.UPLOAD_COMPLETED, "s1", Map.of(), AT);
    Event b = Event.create(Event.UPLOAD_COMPLETED, "s1", Map.of(), AT);
    assertTrue(a.id().matches("evt_[A-Za-z0-9_-]{22}"), a.id());
    assertNotEquals(a.id(), b.id());
    assertEquals(Instant.parse("2026-03-04T05:06:07.123Z"), a.timestamp());
  }

  @Test
  void theDataCannotBeChangedAfterwards() {
    Map<String, Object> data = data();
    Event event = Event.create(Event.UPLOAD_COMPLETED, "s1", data, AT);
    data.put("size", 1);
    assertEquals(12345678901L, event.data().get("size"));
    assertThrows(UnsupportedOperationException.class, () -> event.data().put("x", "y"));
  }

  @Test
  void rejectsValuesThatAreNotJson() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Event.create(Event.UPLOAD_COMPLETED, "s1", Map.of("at", List.of(AT)), AT));
    assertTrue(e.getMessage().contains("data.at[0]") && e.getMessage().contains("Instant"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Event.create(Event.UPLOAD_COMPLETED, "s1", Map.of("x", Double.NaN), AT));
  }

  @Test
  void rejectsASubjectThatCannotBeAKey() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Event.create(Event.UPLOAD_COMPLETED, "../other", Map.of(), AT));
    assertTrue(e.getMessage().contains("subject"), e.getMessage());
  }

  @Test
  void readingBrokenJsonSaysWhy() {
    assertThrows(IllegalArgumentException.class, () -> Event.fromJson("{\"id\":"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Event.fromJson("{\"id\":\"evt_1\",\"type\":\"upload.completed\"}"));
    assertTrue(e.getMessage().contains("Event"), e.getMessage());
  }
}
