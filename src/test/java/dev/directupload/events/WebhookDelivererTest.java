package dev.directupload.events;

import static dev.directupload.testing.Receiver.awaitTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.testing.ReadmeReceiver;
import dev.directupload.testing.Receiver;
import dev.directupload.testing.StandardWebhooksJs;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Every recorded event reaches a real receiver, signed so that the official Standard Webhooks
 * library accepts it, with the same {@code webhook-id} on every attempt; the events of one upload
 * arrive in order; and a receiver that fails or hangs never holds up the caller.
 */
class WebhookDelivererTest {
  static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(
      "0123456789abcdefghijklmnopqrstuv".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  /** Short waits so a test sees several retries in a moment; a long window: nothing abandoned. */
  static final RetrySchedule QUICK = new RetrySchedule(List.of(Duration.ofMillis(20),
      Duration.ofMillis(50), Duration.ofMillis(100)), Duration.ofMinutes(5));
  /** Timeouts no busy machine reaches: an attempt here fails only when the receiver says so. */
  static final WebhookDeliverer.Options OPTIONS = new WebhookDeliverer.Options(
      Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofSeconds(30),
      2, QUICK);

  private final Receiver receiver;
  private final MemoryOutbox outbox = new MemoryOutbox();
  private final List<WebhookDeliverer> deliverers = new ArrayList<>();

  WebhookDelivererTest() throws Exception {
    receiver = new Receiver();
  }

  @AfterEach
  void stop() {
    deliverers.forEach(WebhookDeliverer::close);
    receiver.close();
  }

  private WebhookDeliverer deliverer(WebhookDeliverer.Options options) {
    WebhookDeliverer d = new WebhookDeliverer(receiver.uri(), WebhookSigner.parse(SECRET),
        outbox, "instance-1", options, Clock.systemUTC());
    deliverers.add(d);
    return d;
  }

  static Event event(String subject, String name) {
    return Event.create(Event.UPLOAD_COMPLETED, subject, Map.of("id", subject, "name", name,
        "size", 3), Instant.now());
  }

  private static String subjectOf(Receiver.Call call) {
    JsonObject body = JsonParser.parseString(call.body()).getAsJsonObject();
    return body.getAsJsonObject("data").get("id").getAsString();
  }

  private List<Receiver.Call> callsOf(String id) {
    return receiver.calls.stream().filter(c -> id.equals(c.id())).toList();
  }

  @Test
  void deliversEachEventSignedSoTheOfficialLibraryVerifiesIt() throws Exception {
    WebhookDeliverer deliverer = deliverer(OPTIONS);
    List<Event> events = List.of(event("s1", "a.txt"), event("s2", "Ünïcødé 🎉 <b>.txt"),
        Event.create(Event.UPLOAD_DELETED, "s3", Map.of("id", "s3"), Instant.now()));
    events.forEach(deliverer::publish);
    awaitTrue("all acknowledged", () -> receiver.acknowledged().size() == 3);

    for (Event event : events) {
      Receiver.Call call = callsOf(event.id()).get(0);
      assertEquals(event.webhookBody(), call.body());
      assertEquals("application/json", call.headers().get("content-type"));
      assertTrue(ReadmeReceiver.verify(SECRET, call.id(), call.timestamp(), call.signature(),
          call.body()), "the README's Java receiver accepts it");
    }
    StandardWebhooksJs.Result result = StandardWebhooksJs.verify(SECRET, receiver.calls);
    assertTrue(result.verified(), result.output());
    assertEquals(0, outbox.backlog(Instant.now()).pending(), "delivered events leave the outbox");
  }

  @Test
  void theOfficialLibraryRefusesAChangedBody() {
    WebhookDeliverer deliverer = deliverer(OPTIONS);
    deliverer.publish(event("s1", "a.txt"));
    awaitTrue("acknowledged", () -> receiver.acknowledged().size() == 1);
    Receiver.Call call = receiver.calls.get(0);
    Receiver.Call changed = new Receiver.Call(call.headers(),
        call.body().replace("a.txt", "b.txt"), call.status());
    assertFalse(StandardWebhooksJs.verify(SECRET, List.of(changed)).verified(),
        "the verification can fail");
  }

  @Test
  void aReceiverDownForAWhileGetsEveryEventWithTheSameIdOnEveryAttempt() throws Exception {
    WebhookDeliverer deliverer = deliverer(OPTIONS);
    receiver.responder = call -> Receiver.Answer.status(503);
    List<Event> events = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      events.add(event("s" + i, "file" + i + ".txt"));
    }
    events.forEach(deliverer::publish);
    awaitTrue("every event tried twice", () -> events.stream()
        .allMatch(e -> callsOf(e.id()).size() >= 2));
    assertEquals(Optional.of("answered 503"), deliverer.backlog().lastError());

    receiver.stop();
    awaitTrue("refused connections seen", () -> deliverer.backlog().lastError()
        .filter(e -> e.startsWith("could not connect")).isPresent());
    receiver.responder = call -> Receiver.Answer.status(204);
    receiver.restart();
    awaitTrue("all acknowledged", () -> receiver.acknowledged().size() >= events.size());

    Set<String> ids = events.stream().map(Event::id).collect(Collectors.toSet());
    for (Receiver.Call call : receiver.calls) {
      assertTrue(ids.contains(call.id()), "unknown id " + call.id());
    }
    for (Event event : events) {
      List<Receiver.Call> attempts = callsOf(event.id());
      assertTrue(attempts.size() >= 3, "retried: " + Receiver.ids(attempts));
      assertEquals(1, attempts.stream().filter(Receiver.Call::acknowledged).count());
      assertTrue(attempts.stream().allMatch(c -> c.body().equals(event.webhookBody())));
    }
    StandardWebhooksJs.Result result = StandardWebhooksJs.verify(SECRET, receiver.calls);
    assertTrue(result.verified(), "every attempt is signed anew: " + result.output());
    awaitTrue("the outbox is empty", () -> deliverer.backlog().pending() == 0);
  }

  @Test
  void aLaterEventOfAnUploadIsNotSentBeforeTheEarlierIsAcknowledged() {
    WebhookDeliverer deliverer = deliverer(OPTIONS);
    Map<String, AtomicInteger> tries = new ConcurrentHashMap<>();
    Event first = event("s1", "first");
    receiver.responder = call -> {
      int n = tries.computeIfAbsent(call.id(), id -> new AtomicInteger()).incrementAndGet();
      return Receiver.Answer.status(call.id().equals(first.id()) && n <= 3 ? 500 : 200);
    };
    Event second = Event.create(Event.UPLOAD_DELETED, "s1", Map.of("id", "s1"), Instant.now());
    Event third = Event.create(Event.UPLOAD_COMPLETED, "s1", Map.of("id", "s1"), Instant.now());
    Event other = event("s2", "other");
    for (Event e : List.of(first, second, other, third)) {
      deliverer.publish(e);
    }
    awaitTrue("all acknowledged", () -> receiver.acknowledged().size() == 4);

    List<Receiver.Call> s1 = receiver.calls.stream().filter(c -> subjectOf(c).equals("s1"))
        .toList();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      expected.add(first.id() + "=500");
    }
    expected.addAll(List.of(first.id() + "=200", second.id() + "=200", third.id() + "=200"));
    assertEquals(expected, Receiver.ids(s1));
  }

  @Test
  void aHangingReceiverHoldsUpNeitherTheCallerNorOtherUploads() {
    WebhookDeliverer deliverer = deliverer(new WebhookDeliverer.Options(Duration.ofSeconds(5),
        Duration.ofSeconds(60), Duration.ofMillis(50), Duration.ofMinutes(2), 2, QUICK));
    receiver.responder = call -> subjectOf(call).equals("slow") ? Receiver.HANG
        : Receiver.Answer.status(200);
    List<Event> fast = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fast.add(event("fast" + i, "f.txt"));
    }
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      deliverer.publish(event("slow", "s.txt"));
      awaitTrue("the slow one is being sent", () -> receiver.calls.size() == 1);
      fast.forEach(deliverer::publish); // returns while the receiver hangs
    });
    awaitTrue("the other uploads' events are delivered", () -> receiver.acknowledged().size() == 5);
    assertEquals(6, receiver.calls.size(), "the slow one is still hanging, and was sent once");
  }

  @Test
  void announcingReturnsEvenWhenEveryAttemptHangs() {
    WebhookDeliverer deliverer = deliverer(new WebhookDeliverer.Options(Duration.ofSeconds(5),
        Duration.ofSeconds(60), Duration.ofMillis(50), Duration.ofMinutes(2), 1, QUICK));
    receiver.responder = call -> Receiver.HANG;
    assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
      deliverer.publish(event("s0", "a.txt"));
      awaitTrue("one attempt hangs", () -> receiver.calls.size() == 1);
      for (int i = 1; i < 20; i++) {
        deliverer.publish(event("s" + i, "a.txt"));
      }
    });
    assertEquals(20, outbox.backlog(Instant.now()).pending(), "all recorded, waiting their turn");
  }

  @Test
  void anEventIsAbandonedWhenItsWindowIsSpentAndTheNextOfItsUploadGoesOn() {
    WebhookDeliverer deliverer = deliverer(new WebhookDeliverer.Options(Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofSeconds(30), 2,
        new RetrySchedule(List.of(Duration.ofMillis(20)), Duration.ofMillis(200))));
    Event doomed = event("s1", "doomed");
    receiver.responder = call -> Receiver.Answer.status(call.id().equals(doomed.id()) ? 410 : 200);
    deliverer.publish(doomed);
    Event next = Event.create(Event.UPLOAD_DELETED, "s1", Map.of("id", "s1"), Instant.now());
    deliverer.publish(next);
    awaitTrue("the next event is delivered", () -> receiver.acknowledged().size() == 1);
    assertEquals(next.id(), receiver.acknowledged().get(0).id());
    assertEquals(1, outbox.abandoned().size());
    Delivery dead = outbox.abandoned().get(0);
    assertEquals(doomed, dead.event());
    assertEquals(Optional.of("answered 410"), dead.lastError());
    assertEquals(callsOf(doomed.id()).size(), dead.attempts());
  }

  @Test
  void theBacklogSaysWhatFailedButNeverWhatTheReceiverSaid() {
    WebhookDeliverer deliverer = deliverer(new WebhookDeliverer.Options(Duration.ofSeconds(1),
        Duration.ofMillis(300), Duration.ofMillis(50), Duration.ofSeconds(5), 2, QUICK));
    receiver.responder = call -> new Receiver.Answer(500, "{\"trace\":\"at com.example.Secret\"}");
    deliverer.publish(event("s1", "a.txt"));
    awaitTrue("answered 500", () -> deliverer.backlog().lastError()
        .equals(Optional.of("answered 500")));
    assertEquals(1, deliverer.backlog().pending());

    receiver.responder = call -> Receiver.HANG;
    awaitTrue("timed out", () -> deliverer.backlog().lastError()
        .equals(Optional.of("timed out after 300 ms")));

    receiver.responder = call -> new Receiver.Answer(302, "");
    awaitTrue("redirected", () -> deliverer.backlog().lastError()
        .equals(Optional.of("answered 302 (redirects are not followed)")));
  }

  @Test
  void aLeaseShorterThanAnAttemptIsRefused() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> new WebhookDeliverer.Options(Duration.ofSeconds(5),
            Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10), 4, QUICK));
    assertTrue(e.getMessage().contains("lease longer than"), e.getMessage());
  }
}
