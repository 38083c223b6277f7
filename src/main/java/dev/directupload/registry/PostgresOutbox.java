package dev.directupload.registry;

import dev.directupload.events.Backlog;
import dev.directupload.events.Delivery;
import dev.directupload.events.Event;
import dev.directupload.events.Outbox;
import dev.directupload.storage.StorageException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The {@link Outbox} in the registry's database, shared by every instance over it: one row per
 * event in {@code outbox}, ordered by its {@code id}. The {@link PostgresRegistry} inserts a
 * change's events in the change's own transaction ({@link #insert}); this class serves the
 * deliverer.
 *
 * <ul>
 *   <li>Claims are atomic: {@code SELECT ... FOR UPDATE SKIP LOCKED} picks the oldest pending
 *       event of each upload whose lease ran out and the same transaction writes the claimant's
 *       lease, so two instances scanning at once never get the same event (one skips the rows
 *       the other holds; a row already claimed fails the lease condition when re-read).
 *   <li>Order per upload: an event is offered only while no older event of its upload is pending.
 *       Ids come from one sequence; the events of one upload are recorded by transactions that
 *       lock the upload's row in turn, so their ids follow their order.
 *   <li>Delivered events are deleted; abandoned ones stay with {@code state = 'dead'}, their
 *       last error and {@code abandoned_at}, until an operator deletes them.
 * </ul>
 *
 * <p>Failures throw {@link StorageException} (what the deliverer expects of an outbox whose store
 * cannot answer), its message safe to show an operator, the driver's exception as its cause.
 */
public final class PostgresOutbox implements Outbox {
  private static final System.Logger LOG = System.getLogger(PostgresOutbox.class.getName());
  private static final String COLUMNS = "id, event, recorded_at, attempts, next_attempt_at,"
      + " lease_owner, lease_until, last_error";

  private final Sql sql;

  public PostgresOutbox(DataSource dataSource) {
    this.sql = new Sql(dataSource);
  }

  /**
   * Inserts {@code event} in the caller's transaction, due at once and leased to
   * {@code producer} until {@code now + lease}: what {@link #record} does, as part of a change.
   */
  static Delivery insert(Connection c, Event event, String producer, Instant now,
      Duration lease) throws SQLException {
    Instant at = Sql.stored(now);
    Instant until = Sql.stored(now.plus(lease));
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO outbox (event_id, subject, event,"
        + " state, recorded_at, attempts, next_attempt_at, lease_owner, lease_until)"
        + " VALUES (?, ?, ?, 'pending', ?, 0, ?, ?, ?) RETURNING id")) {
      ps.setString(1, event.id());
      ps.setString(2, event.subject());
      ps.setString(3, event.toJson());
      Sql.setTime(ps, 4, at);
      Sql.setTime(ps, 5, at);
      ps.setString(6, producer);
      Sql.setTime(ps, 7, until);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return new Delivery(position(rs.getLong(1)), event, at, 0, at, producer, until,
            Optional.empty());
      }
    }
  }

  @Override
  public Delivery record(Event event, String producer, Instant now, Duration lease) {
    return call(() -> sql.transaction("record an event",
        c -> insert(c, event, producer, now, lease)));
  }

  @Override
  public boolean isNext(Delivery d) {
    long id = id(d);
    return call(() -> sql.read("look up an event", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT"
          + " EXISTS (SELECT 1 FROM outbox WHERE id = ? AND state = 'pending')"
          + " AND NOT EXISTS (SELECT 1 FROM outbox WHERE subject = ? AND state = 'pending'"
          + " AND id < ?)")) {
        ps.setLong(1, id);
        ps.setString(2, d.event().subject());
        ps.setLong(3, id);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          return rs.getBoolean(1);
        }
      }
    }));
  }

  @Override
  public List<Delivery> claimDue(String claimant, Instant now, int max, Duration lease) {
    if (max <= 0) {
      return List.of();
    }
    Instant until = Sql.stored(now.plus(lease));
    return call(() -> sql.transaction("claim due events", c -> {
      List<Delivery> due = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM outbox o"
          + " WHERE state = 'pending' AND lease_until <= ? AND next_attempt_at <= ?"
          + " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.subject = o.subject"
          + " AND p.state = 'pending' AND p.id < o.id)"
          + " ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED")) {
        Sql.setTime(ps, 1, now);
        Sql.setTime(ps, 2, now);
        ps.setInt(3, max);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            due.add(delivery(rs));
          }
        }
      }
      if (due.isEmpty()) {
        return List.of();
      }
      List<Delivery> claimed = new ArrayList<>(due.size());
      try (PreparedStatement ps = c.prepareStatement(
          "UPDATE outbox SET lease_owner = ?, lease_until = ? WHERE id = ?")) {
        for (Delivery d : due) {
          ps.setString(1, claimant);
          Sql.setTime(ps, 2, until);
          ps.setLong(3, id(d));
          ps.addBatch();
          claimed.add(new Delivery(d.position(), d.event(), d.recordedAt(), d.attempts(),
              d.nextAttemptAt(), claimant, until, d.lastError()));
        }
        ps.executeBatch();
      }
      return claimed;
    }));
  }

  @Override
  public Optional<Delivery> renew(Delivery d, String claimant, Instant now, Duration lease) {
    return call(() -> sql.transaction("renew an event's lease", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET lease_owner = ?,"
          + " lease_until = ? WHERE id = ? AND state = 'pending'"
          + " AND (lease_owner = ? OR lease_until <= ?) RETURNING " + COLUMNS)) {
        ps.setString(1, claimant);
        Sql.setTime(ps, 2, now.plus(lease));
        ps.setLong(3, id(d));
        ps.setString(4, claimant);
        Sql.setTime(ps, 5, now);
        try (ResultSet rs = ps.executeQuery()) {
          return rs.next() ? Optional.of(delivery(rs)) : Optional.empty();
        }
      }
    }));
  }

  @Override
  public void delivered(Delivery d) {
    call(() -> sql.transaction("remove a delivered event", c -> {
      try (PreparedStatement ps = c.prepareStatement(
          "DELETE FROM outbox WHERE id = ? AND state = 'pending'")) {
        ps.setLong(1, id(d));
        return ps.executeUpdate();
      }
    }));
  }

  @Override
  public Delivery retryLater(Delivery d, Instant next, String lastError, Duration lease) {
    Instant at = Sql.stored(next);
    Instant until = Sql.stored(next.plus(lease));
    Delivery failed = new Delivery(d.position(), d.event(), d.recordedAt(), d.attempts() + 1, at,
        d.leaseOwner(), until, Optional.of(lastError));
    call(() -> sql.transaction("record a failed attempt", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET attempts = ?,"
          + " next_attempt_at = ?, lease_until = ?, last_error = ?"
          + " WHERE id = ? AND state = 'pending'")) {
        ps.setInt(1, failed.attempts());
        Sql.setTime(ps, 2, at);
        Sql.setTime(ps, 3, until);
        ps.setString(4, lastError);
        ps.setLong(5, id(d));
        return ps.executeUpdate();
      }
    }));
    return failed;
  }

  @Override
  public void abandon(Delivery d, String lastError) {
    int moved = call(() -> sql.transaction("abandon an event", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE outbox SET state = 'dead',"
          + " attempts = ?, last_error = ?, abandoned_at = CURRENT_TIMESTAMP"
          + " WHERE id = ? AND state = 'pending'")) {
        ps.setInt(1, d.attempts() + 1);
        ps.setString(2, lastError);
        ps.setLong(3, id(d));
        return ps.executeUpdate();
      }
    }));
    if (moved > 0) {
      LOG.log(System.Logger.Level.WARNING, "Abandoned webhook " + d.event().id() + " ("
          + d.event().type() + " of " + d.event().subject() + ") after " + (d.attempts() + 1)
          + " failed attempt(s); the last: " + lastError + ". Kept in the outbox table with"
          + " state 'dead', id " + id(d));
    }
  }

  /** The last {@code max} abandoned events, oldest first: what an operator may look at. */
  public List<Delivery> abandoned(int max) {
    return call(() -> sql.read("list abandoned events", c -> {
      List<Delivery> dead = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM outbox"
          + " WHERE state = 'dead' ORDER BY id DESC LIMIT ?")) {
        ps.setInt(1, max);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            dead.add(0, delivery(rs));
          }
        }
      }
      return dead;
    }));
  }

  /**
   * Counts the pending events (one walk of a partial index over pending rows only, never the
   * abandoned ones): cheap while deliveries keep up, as they normally do.
   */
  @Override
  public Backlog backlog(Instant now) {
    return call(() -> sql.read("count pending events", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT count(*), min(recorded_at),"
          + " (SELECT last_error FROM outbox WHERE state = 'pending' AND last_error IS NOT NULL"
          + " ORDER BY next_attempt_at DESC LIMIT 1)"
          + " FROM outbox WHERE state = 'pending'")) {
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          long pending = rs.getLong(1);
          if (pending == 0) {
            return Backlog.EMPTY;
          }
          Instant oldest = Sql.instant(rs, 2);
          return new Backlog(pending, Math.max(0, Duration.between(oldest, now).toSeconds()),
              Optional.ofNullable(rs.getString(3)));
        }
      }
    }));
  }

  private static Delivery delivery(ResultSet rs) throws SQLException {
    return new Delivery(position(rs.getLong("id")), Event.fromJson(rs.getString("event")),
        Sql.instant(rs, "recorded_at"), rs.getInt("attempts"), Sql.instant(rs, "next_attempt_at"),
        rs.getString("lease_owner"), Sql.instant(rs, "lease_until"),
        Optional.ofNullable(rs.getString("last_error")));
  }

  /** Zero-padded, so positions compare as the ids do, as text too. */
  private static String position(long id) {
    return String.format(Locale.ROOT, "%019d", id);
  }

  private static long id(Delivery d) {
    try {
      return Long.parseLong(d.position());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("expected a position from this outbox (digits) but was '"
          + d.position() + "'", e);
    }
  }

  private static <T> T call(Supplier<T> work) {
    try {
      return work.get();
    } catch (RegistryUnavailableException e) {
      throw new StorageException(e.getMessage(), e.getCause());
    }
  }
}
