package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.events.Backlog;
import dev.directupload.events.Delivery;
import dev.directupload.events.Event;
import dev.directupload.events.MemoryOutbox;
import dev.directupload.events.Outbox;
import dev.directupload.events.WebhookDeliverer;
import dev.directupload.events.WebhookSigner;
import dev.directupload.testing.MutableClock;
import dev.directupload.testing.Receiver;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * An event recorded on one instance while an earlier event of its upload, recorded on another,
 * is still being sent goes out once that one is acknowledged, not once the lease of the instance
 * that recorded it runs out: an instance that finds an event is not next lets go of its lease,
 * so the next scan (of any instance) takes it, in order.
 *
 * <p>Two deliverers over one outbox, a real receiver over HTTP; the clock stands still, so a
 * lease that was not let go never runs out and the event is never sent.
 */
class WebhookOrderAcrossInstancesIT {
  private static final String UPLOAD = "AZK1x2y3z4A5b6C7d8E9fQ";

  /** The outbox, telling how many times it answered that an event was not next. */
  private static final class CountingOutbox implements Outbox {
    final Outbox outbox = new MemoryOutbox();
    final AtomicInteger notNext = new AtomicInteger();

    @Override
    public Delivery record(Event event, String producer, Instant now, Duration lease) {
      return outbox.record(event, producer, now, lease);
    }

    @Override
    public boolean isNext(Delivery d) {
      boolean next = outbox.isNext(d);
      if (!next) {
        notNext.incrementAndGet();
      }
      return next;
    }

    @Override
    public List<Delivery> claimDue(String claimant, Instant now, int max, Duration lease) {
      return outbox.claimDue(claimant, now, max, lease);
    }

    @Override
    public Optional<Delivery> renew(Delivery d, String claimant, Instant now, Duration lease) {
      return outbox.renew(d, claimant, now, lease);
    }

    @Override
    public void delivered(Delivery d) {
      outbox.delivered(d);
    }

    @Override
    public Delivery retryLater(Delivery d, Instant next, String lastError, Duration lease) {
      return outbox.retryLater(d, next, lastError, lease);
    }

    @Override
    public void abandon(Delivery d, String lastError) {
      outbox.abandon(d, lastError);
    }

    @Override
    public Backlog backlog(Instant now) {
      return outbox.backlog(now);
    }
  }

  private static Event event(String kind, Instant at) {
    return new Event("evt_" + UPLOAD + "_" + kind, "upload." + kind, at, UPLOAD,
        Map.of("id", UPLOAD));
  }

  @Test
  void aLaterEventRecordedElsewhereGoesOutOnceTheEarlierOneIsAcknowledged() throws Exception {
    MutableClock clock = new MutableClock(Instant.now());
    CountingOutbox outbox = new CountingOutbox();
    CountDownLatch completionArrived = new CountDownLatch(1);
    CountDownLatch answerCompletion = new CountDownLatch(1);
    WebhookDeliverer.Options d = WebhookDeliverer.Options.DEFAULTS;
    WebhookDeliverer.Options options = new WebhookDeliverer.Options(d.connectTimeout(),
        d.requestTimeout(), Duration.ofMillis(200), d.lease(), d.concurrency(), d.retries());
    try (Receiver receiver = new Receiver();
        WebhookDeliverer a = new WebhookDeliverer(receiver.uri(),
            WebhookSigner.parse(Hooks.SECRET), outbox, "instance-a", options, clock);
        WebhookDeliverer b = new WebhookDeliverer(receiver.uri(),
            WebhookSigner.parse(Hooks.SECRET), outbox, "instance-b", options, clock)) {
      receiver.responder = call -> {
        if (call.id().endsWith("_completed")) {
          completionArrived.countDown();
          try {
            answerCompletion.await(30, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        return Receiver.Answer.status(200);
      };

      a.publish(event("completed", clock.instant()));
      assertTrue(completionArrived.await(30, TimeUnit.SECONDS), "a sends the completion");
      b.publish(event("deleted", clock.instant()));
      Hooks.await("b to find its deletion is not next", Duration.ofSeconds(30),
          () -> outbox.notNext.get() > 0, outbox.notNext::get);
      answerCompletion.countDown();

      Hooks.await("the deletion sent once the completion is acknowledged, the clock standing"
          + " still", Duration.ofSeconds(30), () -> receiver.acknowledged().size() == 2,
          () -> Receiver.ids(receiver.calls));
      assertEquals(List.of("evt_" + UPLOAD + "_completed", "evt_" + UPLOAD + "_deleted"),
          receiver.calls.stream().map(Receiver.Call::id).toList());
      Hooks.assertSigned(receiver.calls);
    }
  }
}
