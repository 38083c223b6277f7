package dev.directupload.events;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * An {@link Outbox} in this JVM's memory: for tests, and for a single instance that accepts
 * losing undelivered events when it stops (nothing here survives a restart; use
 * {@link BucketOutbox} when that matters). Abandoned events are logged and the last
 * {@value #MAX_ABANDONED} are kept for {@link #abandoned()}.
 */
public final class MemoryOutbox implements Outbox {
  private static final System.Logger LOG = System.getLogger(MemoryOutbox.class.getName());
  static final int MAX_ABANDONED = 1000;

  /** By position: a zero-padded sequence number, so key order is record order. */
  private final TreeMap<String, Delivery> pending = new TreeMap<>();
  private final Deque<Delivery> abandoned = new ArrayDeque<>();
  private long sequence;

  @Override
  public synchronized Delivery record(Event event, String producer, Instant now, Duration lease) {
    String position = String.format(Locale.ROOT, "%019d", ++sequence);
    Delivery d = Delivery.recorded(position, event, now, producer, now.plus(lease));
    pending.put(position, d);
    return d;
  }

  @Override
  public synchronized boolean isNext(Delivery d) {
    if (!pending.containsKey(d.position())) {
      return false;
    }
    return pending.headMap(d.position(), false).values().stream()
        .noneMatch(other -> other.subject().equals(d.subject()));
  }

  @Override
  public synchronized List<Delivery> claimDue(String claimant, Instant now, int max,
      Duration lease) {
    List<Delivery> claimed = new ArrayList<>();
    Set<String> subjectsSeen = new HashSet<>();
    for (Map.Entry<String, Delivery> entry : pending.entrySet()) {
      if (claimed.size() >= max) {
        break;
      }
      Delivery d = entry.getValue();
      if (subjectsSeen.add(d.subject()) && d.claimableAt(now)) {
        Delivery leased = d.leasedTo(claimant, now.plus(lease));
        entry.setValue(leased);
        claimed.add(leased);
      }
    }
    return claimed;
  }

  @Override
  public synchronized Optional<Delivery> renew(Delivery d, String claimant, Instant now,
      Duration lease) {
    Delivery current = pending.get(d.position());
    if (current == null
        || !current.leaseOwner().equals(claimant) && current.leaseUntil().isAfter(now)) {
      return Optional.empty();
    }
    Delivery renewed = current.leasedTo(claimant, now.plus(lease));
    pending.put(d.position(), renewed);
    return Optional.of(renewed);
  }

  @Override
  public synchronized void delivered(Delivery d) {
    pending.remove(d.position());
  }

  @Override
  public synchronized Delivery retryLater(Delivery d, Instant next, String lastError,
      Duration lease) {
    Delivery failed = d.failed(next, lastError, next.plus(lease));
    pending.replace(d.position(), failed);
    return failed;
  }

  @Override
  public synchronized void abandon(Delivery d, String lastError) {
    if (pending.remove(d.position()) == null) {
      return;
    }
    Delivery dead = d.failed(d.nextAttemptAt(), lastError, d.leaseUntil());
    abandoned.addLast(dead);
    if (abandoned.size() > MAX_ABANDONED) {
      abandoned.removeFirst();
    }
    LOG.log(System.Logger.Level.WARNING, "Abandoned webhook " + d.event().id() + " ("
        + d.event().type() + " of " + d.subject() + ") after " + dead.attempts()
        + " failed attempt(s); the last: " + lastError + ". Event: " + d.event().toJson());
  }

  /** The last abandoned events, oldest first. */
  public synchronized List<Delivery> abandoned() {
    return List.copyOf(abandoned);
  }

  @Override
  public synchronized Backlog backlog(Instant now) {
    if (pending.isEmpty()) {
      return Backlog.EMPTY;
    }
    Instant oldest = pending.values().stream().map(Delivery::recordedAt).min(Instant::compareTo)
        .orElseThrow();
    Optional<String> lastError = pending.values().stream()
        .filter(d -> d.lastError().isPresent())
        .max((a, b) -> a.nextAttemptAt().compareTo(b.nextAttemptAt()))
        .flatMap(Delivery::lastError);
    return new Backlog(pending.size(), Math.max(0, Duration.between(oldest, now).toSeconds()),
        lastError);
  }
}
