package dev.directupload.events;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The durable store of events and of their delivery state: the port between the use cases, which
 * record what happened before they answer, and the {@link WebhookDeliverer}, which sends it.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li><b>Durable before the answer.</b> {@link #record} returns only once the event would
 *       survive a crash of this JVM (a PUT the store acknowledged, a committed row); otherwise it
 *       throws, and the caller must not tell its client the change happened without it.
 *   <li><b>Leases.</b> Every pending event carries a lease: an owner and a time. Until that time
 *       nobody else takes it. The producer records it with its own lease, so the fast path (an
 *       attempt right away) is not raced by other instances; if the producer dies (kill -9) the
 *       lease runs out and any instance's {@link #claimDue} takes the event over. A holder that
 *       retries keeps its lease alive ({@link #retryLater} extends it past the next attempt).
 *   <li><b>Order per subject.</b> Positions order the events as they were recorded.
 *       {@link #claimDue} offers, for each subject, only its oldest pending event, and
 *       {@link #isNext} tells whether an event is that one, so a later event of an upload is not
 *       sent before an earlier one is acknowledged or abandoned. Events of different subjects are
 *       independent.
 *   <li><b>At least once.</b> An event leaves the outbox only through {@link #delivered} or
 *       {@link #abandon}. A duplicate delivery arises when the receiver acknowledged but the
 *       sender died (or could not reach the store) before {@link #delivered}; when a holder
 *       stalled past its lease (a long GC pause, a suspended VM) and another instance took the
 *       event over; or, with an outbox whose claims are not atomic (the bucket), when two
 *       instances claim the same orphaned event at the same moment. Every copy carries the same
 *       {@code webhook-id} ({@link Event#id}), so receivers drop duplicates by it.
 *   <li><b>Abandoned, not lost.</b> {@link #abandon} moves an event whose retry window is spent
 *       where an operator can find it (the bucket: a {@code dead/} prefix; PostgreSQL: a state).
 * </ul>
 *
 * <p>A PostgreSQL implementation maps each call to one statement: {@code claimDue} is {@code
 * SELECT ... WHERE next_attempt_at <= now AND lease_until <= now AND id = (SELECT min(id) ...
 * same subject, pending) ORDER BY id LIMIT max FOR UPDATE SKIP LOCKED} followed by an {@code
 * UPDATE} of the lease in the same transaction, and {@code record} is an {@code INSERT} in the
 * transaction of the change itself.
 *
 * <p>Methods throw {@link dev.directupload.storage.StorageException} (or the implementation's
 * own unchecked exception) when the store cannot answer.
 */
public interface Outbox {

  /**
   * Stores a new event, due at once and leased to {@code producer} until {@code now + lease}.
   * Durable when it returns; throws when it is not.
   */
  Delivery record(Event event, String producer, Instant now, Duration lease);

  /**
   * Whether {@code d} is still pending and no older event of its subject is: the check before
   * the producer's fast path sends it.
   */
  boolean isNext(Delivery d);

  /**
   * Takes up to {@code max} events for {@code claimant}, oldest first: each due
   * ({@code nextAttemptAt <= now}), under no live lease ({@code leaseUntil <= now}: a live lease
   * is someone's, the claimant's own included, who is still working on it), and the oldest
   * pending event of its subject. Each comes back leased to {@code claimant} until
   * {@code now + lease}.
   */
  List<Delivery> claimDue(String claimant, Instant now, int max, Duration lease);

  /**
   * Extends the lease of {@code d} to {@code now + lease} for {@code claimant}, unless the event
   * is gone or someone else's lease on it is live: then empty, and the caller lets it go.
   */
  Optional<Delivery> renew(Delivery d, String claimant, Instant now, Duration lease);

  /** The receiver acknowledged: the event leaves the outbox. */
  void delivered(Delivery d);

  /**
   * An attempt failed: counts it, keeps {@code lastError}, and makes the event due at
   * {@code next}, still leased to its holder until {@code next + lease} so that the holder, not
   * another instance, tries again (and another instance does when the holder died).
   */
  Delivery retryLater(Delivery d, Instant next, String lastError, Duration lease);

  /**
   * The retry window is spent: the event leaves the pending events, the order of its subject
   * moves on, and it is kept where an operator can find it, with {@code lastError}.
   */
  void abandon(Delivery d, String lastError);

  /**
   * What is pending, for a health check: cheap enough to call on every request of one (an
   * outbox in a remote store may answer with what its last {@link #claimDue} saw).
   */
  Backlog backlog(Instant now);
}
