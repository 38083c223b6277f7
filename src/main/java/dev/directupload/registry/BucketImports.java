package dev.directupload.registry;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * Whether an import of an existing bucket into the database ran, and where it got to: one row
 * per source (a bucket and prefix), held by one instance at a time under a lease, so that
 * instances starting together import once, and an import cut short resumes after its last key
 * (S3 lists keys in order: {@code StartAfter}) instead of starting over.
 */
public final class BucketImports {
  private static final String COLUMNS =
      "source, started_at, finished_at, after_key, imported, runner, lease_until";

  /**
   * One import.
   *
   * @param afterKey the last key imported; the next listing starts after it
   * @param imported files added so far
   * @param runner the instance that holds (or last held) it; empty once released
   * @param leaseUntil nobody else takes it over before
   */
  public record Progress(String source, Instant startedAt, Optional<Instant> finishedAt,
      Optional<String> afterKey, long imported, String runner, Instant leaseUntil) {

    public boolean isFinished() {
      return finishedAt.isPresent();
    }
  }

  private final Sql sql;

  public BucketImports(DataSource dataSource) {
    this.sql = new Sql(Objects.requireNonNull(dataSource, "dataSource"));
  }

  /** The import of {@code source} as it stands; empty when none ever started. */
  public Optional<Progress> progress(String source) {
    return sql.read("read an import's progress", c -> {
      try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS
          + " FROM bucket_imports WHERE source = ?")) {
        ps.setString(1, source);
        return one(ps);
      }
    });
  }

  /**
   * Starts or resumes the import of {@code source} for {@code runner}, leased until
   * {@code now + lease}: the progress to resume from. Empty when it is finished, or another
   * instance's lease on it is still live.
   */
  public Optional<Progress> claim(String source, String runner, Instant now, Duration lease) {
    return sql.transaction("claim an import", c -> {
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO bucket_imports AS b"
          + " (source, started_at, imported, runner, lease_until) VALUES (?, ?, 0, ?, ?)"
          + " ON CONFLICT (source) DO UPDATE SET runner = excluded.runner,"
          + " lease_until = excluded.lease_until WHERE b.finished_at IS NULL"
          + " AND (b.runner = excluded.runner OR b.lease_until <= ?) RETURNING " + COLUMNS)) {
        ps.setString(1, source);
        Sql.setTime(ps, 2, now);
        ps.setString(3, runner);
        Sql.setTime(ps, 4, now.plus(lease));
        Sql.setTime(ps, 5, now);
        return one(ps);
      }
    });
  }

  /**
   * Records that every key up to {@code afterKey} is imported, {@code added} more files, and
   * extends the lease; false when {@code runner} no longer holds the import (stop then).
   */
  public boolean advance(String source, String runner, String afterKey, long added,
      Instant now, Duration lease) {
    return sql.transaction("record an import's progress", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE bucket_imports SET after_key = ?,"
          + " imported = imported + ?, lease_until = ? WHERE source = ? AND runner = ?"
          + " AND finished_at IS NULL")) {
        ps.setString(1, afterKey);
        ps.setLong(2, added);
        Sql.setTime(ps, 3, now.plus(lease));
        ps.setString(4, source);
        ps.setString(5, runner);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /**
   * Hands an unfinished import back at once, as an instance that stops does: the next instance
   * resumes it without waiting for the lease to run out, and the runner's own late advances
   * fail (the runner is cleared). False when {@code runner} did not hold it.
   */
  public boolean release(String source, String runner, Instant now) {
    return sql.transaction("release an import", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE bucket_imports SET runner = '',"
          + " lease_until = ? WHERE source = ? AND runner = ? AND finished_at IS NULL")) {
        Sql.setTime(ps, 1, now);
        ps.setString(2, source);
        ps.setString(3, runner);
        return ps.executeUpdate() == 1;
      }
    });
  }

  /** Marks the import done; false when {@code runner} no longer holds it. */
  public boolean finish(String source, String runner, Instant now) {
    return sql.transaction("finish an import", c -> {
      try (PreparedStatement ps = c.prepareStatement("UPDATE bucket_imports SET finished_at = ?"
          + " WHERE source = ? AND runner = ? AND finished_at IS NULL")) {
        Sql.setTime(ps, 1, now);
        ps.setString(2, source);
        ps.setString(3, runner);
        return ps.executeUpdate() == 1;
      }
    });
  }

  private static Optional<Progress> one(PreparedStatement ps) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      return Optional.of(new Progress(rs.getString("source"), Sql.instant(rs, "started_at"),
          Sql.optionalInstant(rs, "finished_at"), Optional.ofNullable(rs.getString("after_key")),
          rs.getLong("imported"), rs.getString("runner"), Sql.instant(rs, "lease_until")));
    }
  }
}
