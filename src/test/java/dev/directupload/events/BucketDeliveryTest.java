package dev.directupload.events;

import static dev.directupload.testing.Receiver.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.FakeStore;
import dev.directupload.testing.Receiver;
import dev.directupload.testing.StandardWebhooksJs;
import dev.directupload.testing.TestSettings;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Instances over one bucket share its outbox: what a killed instance recorded is delivered by
 * another once the dead one's leases run out, and while every instance lives each event is
 * delivered once, by the instance that recorded it.
 */
class BucketDeliveryTest {
  private static final String PREFIX = "uploads/.direct-upload/outbox/";
  private final FakeStore store = new FakeStore(TestSettings.with());
  private final Receiver receiver;
  private final List<WebhookDeliverer> deliverers = new ArrayList<>();

  BucketDeliveryTest() throws Exception {
    receiver = new Receiver();
  }

  @AfterEach
  void stop() {
    deliverers.forEach(WebhookDeliverer::close);
    receiver.close();
    store.close();
  }

  /** An instance that scans often; its attempts may take up to half its lease. */
  private WebhookDeliverer instance(String id, Duration lease) {
    Duration timeout = lease.dividedBy(4);
    WebhookDeliverer d = new WebhookDeliverer(receiver.uri(),
        WebhookSigner.parse(WebhookDelivererTest.SECRET), new BucketOutbox(store, PREFIX), id,
        new WebhookDeliverer.Options(timeout, timeout, Duration.ofMillis(20), lease, 2,
            WebhookDelivererTest.QUICK),
        Clock.systemUTC());
    deliverers.add(d);
    return d;
  }

  private List<String> pendingKeys() {
    List<String> keys = new ArrayList<>();
    store.forEachKey(PREFIX + "pending/", "", keys::add);
    return keys;
  }

  private static Event event(String subject, String type) {
    return Event.create(type, subject, Map.of("id", subject), Instant.now());
  }

  @Test
  void anotherInstanceDeliversWhatAKilledOneLeftOnceItsLeasesRunOut() {
    receiver.responder = call -> Receiver.Answer.status(503);
    WebhookDeliverer producer = instance("killed", Duration.ofSeconds(3));
    List<Event> events = List.of(event("s1", Event.UPLOAD_COMPLETED),
        event("s2", Event.UPLOAD_COMPLETED), event("s2", Event.UPLOAD_DELETED));
    events.forEach(producer::publish);
    awaitTrue("the producer tried", () -> receiver.calls.size() >= 2);
    producer.close(); // as kill -9: its leases stay in the bucket
    assertEquals(3, pendingKeys().size());

    receiver.responder = call -> Receiver.Answer.status(200);
    instance("survivor", Duration.ofSeconds(30));
    awaitTrue("all delivered", () -> receiver.acknowledged().size() >= 3);
    awaitTrue("the outbox is empty", () -> pendingKeys().isEmpty());
    List<String> acknowledged = receiver.acknowledged().stream().map(Receiver.Call::id).toList();
    assertEquals(Set.copyOf(events.stream().map(Event::id).toList()), Set.copyOf(acknowledged));
    assertEquals(events.size(), acknowledged.size(), "each once");
    assertTrue(acknowledged.indexOf(events.get(1).id()) < acknowledged.indexOf(events.get(2).id()),
        "s2's in order");
    StandardWebhooksJs.Result result = StandardWebhooksJs.verify(WebhookDelivererTest.SECRET,
        receiver.acknowledged());
    assertTrue(result.verified(), result.output());
  }

  @Test
  void twoLiveInstancesDeliverEachEventOnce() {
    // Each event's first attempt fails: its producer retries it while the other instance scans.
    Set<String> seen = ConcurrentHashMap.newKeySet();
    receiver.responder = call -> Receiver.Answer.status(seen.add(call.id()) ? 503 : 200);
    WebhookDeliverer a = instance("a", Duration.ofSeconds(20));
    WebhookDeliverer b = instance("b", Duration.ofSeconds(20));
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      Event fromA = event("a" + i, Event.UPLOAD_COMPLETED);
      Event fromB = event("b" + i, Event.UPLOAD_COMPLETED);
      a.publish(fromA);
      b.publish(fromB);
      events.add(fromA);
      events.add(fromB);
    }
    awaitTrue("all delivered", () -> receiver.acknowledged().size() >= events.size()
        && pendingKeys().isEmpty());
    deliverers.forEach(WebhookDeliverer::close);

    Map<String, Long> attempts = receiver.calls.stream()
        .collect(Collectors.groupingBy(Receiver.Call::id, Collectors.counting()));
    for (Event e : events) {
      assertEquals(2L, attempts.get(e.id()), "one failure and one success for " + e.id());
    }
    assertEquals(events.size(), receiver.acknowledged().size());
  }
}
