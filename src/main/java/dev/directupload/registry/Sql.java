package dev.directupload.registry;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import javax.sql.DataSource;

/**
 * How the PostgreSQL adapters talk to the database: one short transaction per call, retried when
 * the database reports a serialization failure or a deadlock (nothing was written then), every
 * other failure turned into a {@link RegistryUnavailableException} whose message names what
 * failed in words safe to show an operator.
 */
final class Sql {
  /** Attempts of one transaction that keeps meeting serialization failures or deadlocks. */
  private static final int ATTEMPTS = 8;

  /** Work done with one connection; the caller commits. */
  @FunctionalInterface
  interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final DataSource dataSource;

  Sql(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /**
   * Runs {@code work} in one READ COMMITTED transaction (the database's default), again when the
   * database undid it for a deadlock or a serialization failure.
   */
  <T> T transaction(String what, Work<T> work) {
    for (int attempt = 1; ; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          T result = work.run(c);
          c.commit();
          return result;
        } catch (SQLException | RuntimeException e) {
          rollbackQuietly(c, e);
          throw e;
        }
      } catch (SQLException e) {
        if (attempt < ATTEMPTS && isRetryable(e)) {
          continue;
        }
        throw unavailable(what, e);
      }
    }
  }

  /** Runs one read outside a transaction (no BEGIN and COMMIT round trips). */
  <T> T read(String what, Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      if (!c.getAutoCommit()) {
        // A container's pool may hand out connections in manual commit: a read must not leave a
        // transaction open on a connection that goes back to the pool.
        c.setAutoCommit(true);
      }
      return work.run(c);
    } catch (SQLException e) {
      throw unavailable(what, e);
    }
  }

  private static void rollbackQuietly(Connection c, Exception failure) {
    try {
      c.rollback();
    } catch (SQLException e) {
      failure.addSuppressed(e); // the pool discards a connection it cannot roll back
    }
  }

  /** Serialization failure or deadlock: the database undid the transaction; safe to try again. */
  static boolean isRetryable(SQLException e) {
    for (SQLException s = e; s != null; s = s.getNextException()) {
      String state = s.getSQLState();
      if ("40001".equals(state) || "40P01".equals(state)) {
        return true; // a batch reports the statement's failure as its next exception
      }
    }
    return false;
  }

  /** What failed, in words that name no URL, host or password; the cause keeps the details. */
  static RegistryUnavailableException unavailable(String what, SQLException e) {
    return new RegistryUnavailableException("The database could not " + what + ": "
        + describe(e), e);
  }

  /**
   * Why the database did not answer, from the SQLState of the exception or of its causes (the
   * pool's timeout carries the driver's last connection failure as its cause).
   */
  static String describe(SQLException e) {
    if (e instanceof Database.NotReadyException) {
      return e.getMessage();
    }
    SQLException root = root(e);
    String state = root.getSQLState();
    String reason = reason(state);
    if (e instanceof SQLTransientConnectionException && root == e) {
      // The pool's own timeout with no failure behind it: every connection was busy.
      return "no connection within the pool's timeout (every connection busy, or the database"
          + " too slow to accept new ones)";
    }
    if (e instanceof SQLTransientConnectionException) {
      return "no connection within the pool's timeout; the last attempt: " + reason;
    }
    return reason;
  }

  /** The deepest of {@code e} and its causes that carries an SQLState ({@code e} if none). */
  static SQLException root(SQLException e) {
    SQLException root = e;
    for (Throwable t = e.getCause(); t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        root = s;
      }
    }
    return root;
  }

  private static String reason(String state) {
    if (state == null) {
      return "the connection failed (no SQLState)";
    }
    String known;
    if (state.startsWith("08")) {
      known = "cannot reach the database (connection refused, closed or timed out)";
    } else if (state.startsWith("28")) {
      known = "the database refused the login (wrong user or password, or not allowed from here)";
    } else if ("3D000".equals(state)) {
      known = "the database named in the URL does not exist";
    } else if (state.startsWith("57P")) {
      known = "the database is shutting down, starting up or was restarted";
    } else if (state.startsWith("53")) {
      known = "the database is out of resources (too many connections, disk or memory)";
    } else if (state.startsWith("40")) {
      known = "transactions kept conflicting with concurrent ones";
    } else if ("42P01".equals(state) || "42703".equals(state)) {
      known = "the schema is missing or older than this version expects (migrations not applied)";
    } else if (state.startsWith("42")) {
      known = "the database refused a statement (permissions, or a schema this version does not"
          + " expect)";
    } else if (state.startsWith("23")) {
      known = "a constraint refused the change";
    } else if (state.startsWith("25")) {
      known = "the database is read-only or the transaction was aborted";
    } else {
      known = "the database answered with an error";
    }
    return known + " [SQLState " + state + "]";
  }

  // ---- values ----

  /**
   * The instant as the database stores it: timestamptz keeps microseconds, so the digits below
   * are cut here (not rounded by the driver), and what is written reads back equal.
   */
  static OffsetDateTime time(Instant at) {
    return OffsetDateTime.ofInstant(stored(at), ZoneOffset.UTC);
  }

  /** {@code at} cut to the microsecond, as it will read back. */
  static Instant stored(Instant at) {
    return at.truncatedTo(ChronoUnit.MICROS);
  }

  static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  static Instant instant(ResultSet rs, int column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  static Optional<Instant> optionalInstant(ResultSet rs, String column) throws SQLException {
    return Optional.ofNullable(instant(rs, column));
  }

  static void setTime(PreparedStatement ps, int index, Instant at) throws SQLException {
    ps.setObject(index, time(at));
  }

  static void setOptionalText(PreparedStatement ps, int index, Optional<String> value)
      throws SQLException {
    if (value.isPresent()) {
      ps.setString(index, value.get());
    } else {
      ps.setNull(index, java.sql.Types.VARCHAR);
    }
  }
}
