package dev.directupload.events;

import dev.directupload.storage.ObjectStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An {@link Outbox} in the bucket, shared by every instance over it: one small JSON object per
 * pending event at {@code <prefix>pending/<subject>/<millis>-<event id>}, where millis is when it
 * was recorded (made strictly increasing within an instance, so two events of one upload recorded
 * in the same millisecond keep their order). Abandoned events move to
 * {@code <prefix>dead/<subject>/<millis>-<event id>}, same body plus the last error, and stay
 * there until an operator deletes them (or a lifecycle rule does).
 *
 * <h2>Cost</h2>
 *
 * <ul>
 *   <li>An event delivered at the first attempt: one PUT ({@link #record}), one LIST of its
 *       subject's folder ({@link #isNext}, usually one key), one DELETE.
 *   <li>A failed attempt: one PUT (the new state and lease).
 *   <li>A scan ({@link #claimDue}): one LIST per 1,000 pending events (an empty outbox: one LIST,
 *       nothing else), and one GET for the oldest event of each upload that may be due: a record
 *       read once and found leased or waiting is not read again before its time (the only
 *       changes another instance makes to it push that time later, or delete it). Claiming one:
 *       a PUT and a GET to read the claim back.
 * </ul>
 *
 * <h2>Claims are not atomic</h2>
 *
 * <p>The store offers no compare-and-swap here, so a claim writes the new lease and reads it back:
 * of two instances that claim one orphaned event at the same moment, the one whose write landed
 * last goes on, unless the two read back before either wrote, and then both send it: a duplicate
 * with the same {@code webhook-id}. Orphans are rare (a producer that died), so are such races.
 * Order per subject depends on the instances' clocks agreeing (NTP): events of one upload recorded
 * on two instances within their clock skew of each other may be sent in the wrong order.
 */
public final class BucketOutbox implements Outbox {
  private static final System.Logger LOG = System.getLogger(BucketOutbox.class.getName());
  /** {@code <subject>/<13 digits>-<event id>} under the pending prefix. */
  private static final Pattern PENDING_KEY =
      Pattern.compile("([A-Za-z0-9_-]{1,100})/([0-9]{13})-([A-Za-z0-9_-]{1,100})");

  private final ObjectStore store;
  private final String pendingPrefix;
  private final String deadPrefix;
  private final AtomicLong lastMillis = new AtomicLong();
  /**
   * Records read by a scan that cannot be claimed before a time: their lease or next attempt.
   * {@link Instant#MAX} for a record that could not be read (warned about once).
   */
  private final Map<String, Instant> notBefore = new ConcurrentHashMap<>();
  /** What the last scan saw, for {@link #backlog}. */
  private volatile Seen lastSeen = new Seen(0, null, Optional.empty());

  private record Seen(long pending, Instant oldest, Optional<String> lastError) {}

  /**
   * @param prefix where the records live, ending with a slash, e.g.
   *     {@code uploads/.direct-upload/outbox/}: after a dot, so no upload key can be there
   */
  public BucketOutbox(ObjectStore store, String prefix) {
    if (!prefix.endsWith("/")) {
      throw new IllegalArgumentException("expected an outbox prefix ending with '/' but was '"
          + prefix + "'");
    }
    this.store = store;
    this.pendingPrefix = prefix + "pending/";
    this.deadPrefix = prefix + "dead/";
  }

  /** Where abandoned events are kept: {@code <prefix>dead/}. */
  public String deadPrefix() {
    return deadPrefix;
  }

  @Override
  public Delivery record(Event event, String producer, Instant now, Duration lease) {
    long millis = lastMillis.updateAndGet(last -> Math.max(last + 1, now.toEpochMilli()));
    String key = pendingPrefix + event.subject() + "/"
        + String.format(Locale.ROOT, "%013d", millis) + "-" + event.id();
    Delivery d = Delivery.recorded(key, event, now, producer, now.plus(lease));
    write(d);
    return d;
  }

  @Override
  public boolean isNext(Delivery d) {
    List<String> keys = new ArrayList<>();
    store.forEachKey(pendingPrefix + d.subject() + "/", "", keys::add);
    return !keys.isEmpty() && keys.get(0).equals(d.position());
  }

  @Override
  public synchronized List<Delivery> claimDue(String claimant, Instant now, int max,
      Duration lease) {
    List<String> keys = new ArrayList<>();
    store.forEachKey(pendingPrefix, "", keys::add);
    notBefore.keySet().retainAll(new HashSet<>(keys));

    // Keys come in order, so the first of each subject's folder is its oldest event.
    Map<String, Parsed> oldestOfSubject = new LinkedHashMap<>();
    Instant oldest = null;
    int pending = 0;
    for (String key : keys) {
      Matcher m = PENDING_KEY.matcher(key.substring(pendingPrefix.length()));
      if (!m.matches()) {
        continue; // not written by us (a stray upload by hand): not an event
      }
      pending++;
      Parsed p = new Parsed(key, Long.parseLong(m.group(2)));
      oldestOfSubject.putIfAbsent(m.group(1), p);
      Instant at = Instant.ofEpochMilli(p.millis());
      oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
    }
    List<Parsed> candidates = new ArrayList<>(oldestOfSubject.values());
    candidates.sort(Comparator.comparingLong(Parsed::millis).thenComparing(Parsed::key));

    List<Delivery> claimed = new ArrayList<>();
    // Records waiting for their time are not read again: keep the error last seen among them.
    Optional<String> lastError = pending == 0 ? Optional.empty() : lastSeen.lastError();
    for (Parsed candidate : candidates) {
      if (claimed.size() >= max) {
        break;
      }
      Instant wait = notBefore.get(candidate.key());
      if (wait != null && wait.isAfter(now)) {
        continue;
      }
      Optional<Delivery> read = read(candidate.key());
      if (read.isEmpty()) {
        continue;
      }
      Delivery d = read.get();
      if (d.lastError().isPresent()) {
        lastError = d.lastError();
      }
      if (!d.claimableAt(now)) {
        notBefore.put(candidate.key(), later(d.nextAttemptAt(), d.leaseUntil()));
        continue;
      }
      Delivery leased = d.leasedTo(claimant, now.plus(lease));
      write(leased);
      Optional<Delivery> back = read(candidate.key());
      if (back.isPresent() && back.get().leaseOwner().equals(claimant)
          && back.get().leaseUntil().equals(leased.leaseUntil())) {
        claimed.add(leased);
      } else if (back.isPresent()) {
        notBefore.put(candidate.key(), back.get().leaseUntil());
      }
    }
    lastSeen = new Seen(pending, oldest, lastError);
    return claimed;
  }

  @Override
  public Optional<Delivery> renew(Delivery d, String claimant, Instant now, Duration lease) {
    Optional<Delivery> current = read(d.position());
    if (current.isEmpty() || !current.get().leaseOwner().equals(claimant)
        && current.get().leaseUntil().isAfter(now)) {
      return Optional.empty();
    }
    Delivery renewed = current.get().leasedTo(claimant, now.plus(lease));
    write(renewed);
    return Optional.of(renewed);
  }

  @Override
  public void delivered(Delivery d) {
    store.delete(d.position());
  }

  @Override
  public Delivery retryLater(Delivery d, Instant next, String lastError, Duration lease) {
    Delivery failed = d.failed(next, lastError, next.plus(lease));
    write(failed);
    return failed;
  }

  @Override
  public void abandon(Delivery d, String lastError) {
    Delivery dead = d.failed(d.nextAttemptAt(), lastError, d.leaseUntil());
    String deadKey = deadPrefix + d.position().substring(pendingPrefix.length());
    store.putRecord(deadKey, EventJson.stored(dead).getBytes(StandardCharsets.UTF_8));
    store.delete(d.position());
    LOG.log(System.Logger.Level.WARNING, "Abandoned webhook " + d.event().id() + " ("
        + d.event().type() + " of " + d.subject() + ") after " + dead.attempts()
        + " failed attempt(s); the last: " + lastError + ". Kept at " + deadKey);
  }

  /** As the last {@link #claimDue} saw it (instances scan every few seconds). */
  @Override
  public Backlog backlog(Instant now) {
    Seen seen = lastSeen;
    long age = seen.oldest() == null ? 0
        : Math.max(0, Duration.between(seen.oldest(), now).toSeconds());
    return new Backlog(seen.pending(), age, seen.lastError());
  }

  private record Parsed(String key, long millis) {}

  private void write(Delivery d) {
    store.putRecord(d.position(), EventJson.stored(d).getBytes(StandardCharsets.UTF_8));
  }

  /** The record at {@code key}; empty when it is gone, or unreadable (warned about once). */
  private Optional<Delivery> read(String key) {
    Optional<byte[]> body = store.getRecord(key);
    if (body.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(EventJson.delivery(key, new String(body.get(), StandardCharsets.UTF_8)));
    } catch (IllegalArgumentException e) {
      if (!Instant.MAX.equals(notBefore.put(key, Instant.MAX))) {
        LOG.log(System.Logger.Level.WARNING, "Skipping the outbox record " + key
            + ", which cannot be read (" + e.getMessage() + "); move or delete it by hand");
      }
      return Optional.empty();
    }
  }

  private static Instant later(Instant a, Instant b) {
    return a.isAfter(b) ? a : b;
  }
}
