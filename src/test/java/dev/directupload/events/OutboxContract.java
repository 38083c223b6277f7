package dev.directupload.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The {@link Outbox} contract, run against each implementation: leases keep an event from other
 * instances while they live, each subject offers only its oldest event, oldest first, and an
 * event leaves only when delivered or abandoned.
 */
abstract class OutboxContract {
  static final Instant T0 = Instant.parse("2026-03-04T05:06:07Z");
  static final Duration LEASE = Duration.ofSeconds(60);

  abstract Outbox outbox();

  /** The abandoned events, wherever the implementation keeps them. */
  abstract List<Delivery> abandoned();

  static Event event(String subject, String name) {
    return Event.create(Event.UPLOAD_COMPLETED, subject, Map.of("name", name), T0);
  }

  private static List<String> names(List<Delivery> deliveries) {
    return deliveries.stream().map(d -> (String) d.event().data().get("name")).toList();
  }

  @Test
  void aRecordedEventIsLeftAloneWhileItsProducersLeaseLives() {
    outbox().record(event("s1", "a"), "producer", T0, LEASE);
    assertEquals(List.of(), outbox().claimDue("other", T0.plusSeconds(59), 10, LEASE));
  }

  @Test
  void anotherInstanceTakesItOverOnceTheLeaseRunsOut() {
    Delivery recorded = outbox().record(event("s1", "a"), "producer", T0, LEASE);
    List<Delivery> claimed = outbox().claimDue("other", T0.plusSeconds(60), 10, LEASE);
    assertEquals(1, claimed.size());
    assertEquals(recorded.event(), claimed.get(0).event());
    assertEquals("other", claimed.get(0).leaseOwner());
    assertEquals(T0.plusSeconds(120), claimed.get(0).leaseUntil());
    assertEquals(List.of(), outbox().claimDue("third", T0.plusSeconds(90), 10, LEASE),
        "the claim is a lease too");
  }

  @Test
  void offersOnlyTheOldestEventOfEachSubjectOldestFirst() {
    outbox().record(event("s2", "s2-first"), "p", T0, LEASE);
    outbox().record(event("s1", "s1-first"), "p", T0.plusMillis(1), LEASE);
    outbox().record(event("s2", "s2-second"), "p", T0.plusMillis(2), LEASE);
    outbox().record(event("s3", "s3-first"), "p", T0.plusMillis(3), LEASE);
    Instant later = T0.plusSeconds(61);
    assertEquals(List.of("s2-first", "s1-first", "s3-first"),
        names(outbox().claimDue("c", later, 10, LEASE)));
  }

  @Test
  void claimsAtMostMax() {
    for (int i = 0; i < 5; i++) {
      outbox().record(event("s" + i, "e" + i), "p", T0.plusMillis(i), LEASE);
    }
    assertEquals(List.of("e0", "e1"), names(outbox().claimDue("c", T0.plusSeconds(61), 2, LEASE)));
    assertEquals(List.of("e2", "e3"), names(outbox().claimDue("c", T0.plusSeconds(62), 2, LEASE)));
  }

  @Test
  void aLaterEventOfAnUploadWaitsUntilTheEarlierIsDelivered() {
    Delivery first = outbox().record(event("s1", "first"), "p", T0, LEASE);
    Delivery second = outbox().record(event("s1", "second"), "p", T0, LEASE);
    assertTrue(outbox().isNext(first));
    assertFalse(outbox().isNext(second));
    outbox().delivered(first);
    assertFalse(outbox().isNext(first), "a delivered event is nobody's next");
    assertTrue(outbox().isNext(second));
    assertEquals(List.of("second"), names(outbox().claimDue("c", T0.plusSeconds(61), 10, LEASE)));
  }

  @Test
  void aFailedAttemptMakesItDueLaterAndKeepsItWithItsHolderUntilThen() {
    Delivery d = outbox().record(event("s1", "a"), "p", T0, LEASE);
    Delivery failed = outbox().retryLater(d, T0.plusSeconds(600), "answered 503", LEASE);
    assertEquals(1, failed.attempts());
    assertEquals(Optional.of("answered 503"), failed.lastError());
    assertEquals(T0.plusSeconds(660), failed.leaseUntil(), "the lease outlives the next attempt");
    assertEquals(List.of(), outbox().claimDue("other", T0.plusSeconds(630), 10, LEASE));
    List<Delivery> claimed = outbox().claimDue("other", T0.plusSeconds(660), 10, LEASE);
    assertEquals(1, claimed.size(), "taken over when its holder did not come back");
    assertEquals(1, claimed.get(0).attempts());
    assertEquals(Optional.of("answered 503"), claimed.get(0).lastError());
  }

  @Test
  void anAbandonedEventIsKeptAndTheNextOfItsUploadGoesOn() {
    Delivery first = outbox().record(event("s1", "first"), "p", T0, LEASE);
    outbox().record(event("s1", "second"), "p", T0, LEASE);
    outbox().abandon(first, "timed out after 10 s");
    assertEquals(List.of("second"), names(outbox().claimDue("c", T0.plusSeconds(61), 10, LEASE)));
    assertEquals(1, abandoned().size());
    assertEquals(first.event(), abandoned().get(0).event());
    assertEquals(Optional.of("timed out after 10 s"), abandoned().get(0).lastError());
    assertEquals(1, abandoned().get(0).attempts(), "the last failure counts");
  }

  @Test
  void renewingIsRefusedWhenSomeoneElseHoldsItOrItIsGone() {
    Delivery d = outbox().record(event("s1", "a"), "p", T0, LEASE);
    assertEquals(Optional.empty(), outbox().renew(d, "other", T0.plusSeconds(30), LEASE));
    Delivery renewed = outbox().renew(d, "p", T0.plusSeconds(30), LEASE).orElseThrow();
    assertEquals(T0.plusSeconds(90), renewed.leaseUntil());
    assertTrue(outbox().renew(d, "other", T0.plusSeconds(91), LEASE).isPresent(),
        "a lease that ran out is anybody's");
    outbox().delivered(d);
    assertEquals(Optional.empty(), outbox().renew(d, "p", T0.plusSeconds(100), LEASE));
  }

  @Test
  void theBacklogCountsPendingEventsAndTheOldestAge() {
    assertEquals(Backlog.EMPTY, outbox().backlog(T0));
    Delivery d = outbox().record(event("s1", "a"), "p", T0, LEASE);
    outbox().record(event("s2", "b"), "p", T0.plusSeconds(5), LEASE);
    outbox().retryLater(d, T0.plusSeconds(10), "answered 500", LEASE);
    outbox().claimDue("p", T0.plusSeconds(20), 10, LEASE); // a remote outbox counts as it scans
    Backlog backlog = outbox().backlog(T0.plusSeconds(42));
    assertEquals(2, backlog.pending());
    assertEquals(42, backlog.oldestAgeSeconds());
    assertEquals(Optional.of("answered 500"), backlog.lastError());
  }
}
