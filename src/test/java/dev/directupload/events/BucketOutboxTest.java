package dev.directupload.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.FakeStore;
import dev.directupload.testing.TestSettings;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The contract in a (fake) bucket, and what only the bucket has to keep: the events survive the
 * JVM, and a scan of an empty outbox costs one listing.
 */
class BucketOutboxTest extends OutboxContract {
  static final String PREFIX = "uploads/.direct-upload/outbox/";
  private final FakeStore store = new FakeStore(TestSettings.with());
  private final BucketOutbox outbox = new BucketOutbox(store, PREFIX);

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Override
  Outbox outbox() {
    return outbox;
  }

  @Override
  List<Delivery> abandoned() {
    List<Delivery> dead = new ArrayList<>();
    store.forEachKey(outbox.deadPrefix(), "", key -> dead.add(EventJson.delivery(key,
        new String(store.getRecord(key).orElseThrow(), StandardCharsets.UTF_8))));
    return dead;
  }

  @Test
  void aScanOfAnEmptyOutboxCostsOneListing() {
    store.calls.clear();
    outbox.claimDue("c", T0, 10, LEASE);
    assertEquals(List.of("listKeys " + PREFIX + "pending/"), store.calls);
  }

  @Test
  void eventsSurviveTheInstanceThatRecordedThem() {
    Delivery d = outbox.record(event("s1", "a"), "gone", T0, LEASE);
    BucketOutbox afterRestart = new BucketOutbox(store, PREFIX);
    List<Delivery> claimed = afterRestart.claimDue("new", T0.plusSeconds(61), 10, LEASE);
    assertEquals(List.of(d.event()), claimed.stream().map(Delivery::event).toList());
  }

  @Test
  void aRecordWaitingForItsTimeIsNotReadAgainBeforeThen() {
    Delivery d = outbox.record(event("s1", "a"), "p", T0, LEASE);
    outbox.claimDue("c", T0.plusSeconds(1), 10, LEASE);
    store.calls.clear();
    outbox.claimDue("c", T0.plusSeconds(30), 10, LEASE);
    assertEquals(List.of("listKeys " + PREFIX + "pending/"), store.calls, "leased until T0+60");
    outbox.claimDue("c", T0.plusSeconds(60), 10, LEASE);
    assertTrue(store.calls.contains("getRecord " + d.position()), store.calls.toString());
  }

  @Test
  void eventsOfOneUploadRecordedInTheSameMillisecondKeepTheirOrder() {
    Instant same = T0;
    List<Delivery> recorded = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      recorded.add(outbox.record(event("s1", "e" + i), "p", same, LEASE));
    }
    for (int i = 0; i < 20; i++) {
      assertTrue(outbox.isNext(recorded.get(i)), "e" + i);
      outbox.delivered(recorded.get(i));
    }
  }

  @Test
  void anUnreadableRecordIsSkippedAndTheOthersGoOn() {
    store.putRecord(PREFIX + "pending/broken/0000000000001-evt_x", "not json".getBytes(
        StandardCharsets.UTF_8));
    outbox.record(event("s1", "a"), "p", T0, LEASE);
    assertEquals(1, outbox.claimDue("c", T0.plusSeconds(61), 10, LEASE).size());
  }

  @Test
  void anAbandonedEventIsKeptUnderDeadWithItsEvent() {
    Delivery d = outbox.record(event("s1", "a"), "p", T0, LEASE);
    outbox.abandon(d, "answered 410");
    List<String> keys = new ArrayList<>();
    store.forEachKey(PREFIX, "", keys::add);
    assertEquals(List.of(PREFIX + "dead/s1/" + d.position().substring(
        (PREFIX + "pending/s1/").length())), keys);
  }
}
