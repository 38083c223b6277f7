package dev.directupload.events;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An event in the outbox and the state of its delivery, as one outbox call saw it.
 *
 * @param position where the outbox keeps it (an object key, a row id): opaque to the deliverer,
 *     unique, and ordered as the events were recorded
 * @param recordedAt when it entered the outbox; the retry window counts from here
 * @param attempts attempts that failed so far
 * @param nextAttemptAt not to be attempted before this
 * @param leaseOwner the instance that holds it (or last held it)
 * @param leaseUntil until when that instance holds it: nobody else takes it before
 * @param lastError why the last attempt failed, in words safe to show an operator
 */
public record Delivery(String position, Event event, Instant recordedAt, int attempts,
    Instant nextAttemptAt, String leaseOwner, Instant leaseUntil, Optional<String> lastError) {

  public Delivery {
    Objects.requireNonNull(position, "position");
    Objects.requireNonNull(event, "event");
    Objects.requireNonNull(recordedAt, "recordedAt");
    Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
    Objects.requireNonNull(leaseOwner, "leaseOwner");
    Objects.requireNonNull(leaseUntil, "leaseUntil");
    Objects.requireNonNull(lastError, "lastError");
    if (attempts < 0) {
      throw new IllegalArgumentException("attempts must be 0 or more but was " + attempts);
    }
  }

  /** A new event, held by its producer until {@code leaseUntil}, due at once. */
  static Delivery recorded(String position, Event event, Instant now, String producer,
      Instant leaseUntil) {
    return new Delivery(position, event, now, 0, now, producer, leaseUntil, Optional.empty());
  }

  String subject() {
    return event.subject();
  }

  /** Whether {@code claimant} may take it at {@code now}: due, and nobody's lease is live. */
  boolean claimableAt(Instant now) {
    return !nextAttemptAt.isAfter(now) && !leaseUntil.isAfter(now);
  }

  Delivery leasedTo(String owner, Instant until) {
    return new Delivery(position, event, recordedAt, attempts, nextAttemptAt, owner, until,
        lastError);
  }

  Delivery failed(Instant next, String error, Instant until) {
    return new Delivery(position, event, recordedAt, attempts + 1, next, leaseOwner, until,
        Optional.of(error));
  }
}
