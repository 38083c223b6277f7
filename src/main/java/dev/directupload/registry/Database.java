package dev.directupload.registry;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * The registry's database: a connection pool (or the container's data source), the schema
 * migrations applied at start, and whether it is ready.
 *
 * <p>Starting never fails the deployment: when the database is down, unreachable, refuses the
 * login or cannot be migrated, the attempt is repeated in the background every
 * {@code retryDelay} and {@link #status()} says why it is not ready (for {@code api/health}),
 * while every call through {@link #dataSource()} throws, which the registry turns into
 * {@link RegistryUnavailableException}. Once ready it stays ready: later outages are the pool's
 * to ride out (a failed call, then fresh connections as soon as the database answers).
 *
 * <p>Migrations are Flyway's versioned SQL files on the classpath under {@code db/migration}
 * (in the WAR), recorded in the table {@value #HISTORY_TABLE}. Flyway takes a lock in the
 * database while it migrates, so instances that start together apply each migration once; the
 * others wait, then find nothing to do. A database migrated by a newer version (future
 * migrations) is accepted, so a rolling deployment may run old and new instances side by side.
 */
public final class Database implements AutoCloseable {
  private static final System.Logger LOG = System.getLogger(Database.class.getName());
  static final String HISTORY_TABLE = "direct_upload_schema_history";

  /**
   * How to reach the database.
   *
   * @param url a JDBC URL, {@code jdbc:postgresql://host:5432/name} (settings key
   *     {@code database-url}); driver parameters in it override ours below
   * @param user the login ({@code database-user}); empty: the one in the URL, if any
   * @param password ({@code database-password}); never logged nor shown
   * @param poolSize connections this instance keeps open ({@code database-pool-size}): the
   *     database must accept instances × pool size, plus what operators need
   * @param connectionTimeout the most a call waits for a connection before it fails (503)
   * @param retryDelay how long to wait before trying again to connect and migrate at start
   */
  public record Settings(String url, String user, String password, int poolSize,
      Duration connectionTimeout, Duration retryDelay) {
    public static final int DEFAULT_POOL_SIZE = 10;
    public static final Duration DEFAULT_CONNECTION_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(5);

    public Settings {
      if (url == null || !url.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("expected database-url to start with"
            + " jdbc:postgresql: (e.g. jdbc:postgresql://db.example:5432/uploads) but it "
            + (url == null ? "is missing" : "starts with '" + prefix(url) + "'"));
      }
      user = user == null ? "" : user;
      password = password == null ? "" : password;
      if (poolSize < 1 || poolSize > 1000) {
        throw new IllegalArgumentException("expected database-pool-size 1..1000 but was "
            + poolSize);
      }
      Objects.requireNonNull(connectionTimeout, "connectionTimeout");
      Objects.requireNonNull(retryDelay, "retryDelay");
      if (connectionTimeout.toMillis() < 250) {
        throw new IllegalArgumentException("expected a connection timeout of 250 ms or more"
            + " (the pool's least) but was " + connectionTimeout);
      }
      if (retryDelay.isNegative() || retryDelay.isZero()) {
        throw new IllegalArgumentException("expected a positive retry delay but was "
            + retryDelay);
      }
    }

    /** The settings keys' values with the defaults for the rest. */
    public static Settings of(String url, String user, String password, int poolSize) {
      return new Settings(url, user, password, poolSize, DEFAULT_CONNECTION_TIMEOUT,
          DEFAULT_RETRY_DELAY);
    }

    /** No password, no URL parameters (they may hold one). */
    @Override
    public String toString() {
      int query = url.indexOf('?');
      return "Database.Settings[url=" + (query < 0 ? url : url.substring(0, query) + "?...")
          + ", user=" + user + ", password=" + (password.isEmpty() ? "(none)" : "(set)")
          + ", poolSize=" + poolSize + ", connectionTimeout=" + connectionTimeout
          + ", retryDelay=" + retryDelay + "]";
    }

    private static String prefix(String url) {
      return url.length() <= 16 ? url : url.substring(0, 16) + "...";
    }
  }

  /**
   * Whether the registry can be used.
   *
   * @param problem why not, in words safe to show anyone who may see {@code api/health}
   */
  public record Status(boolean ready, Optional<String> problem) {
    static final Status READY = new Status(true, Optional.empty());

    static Status notReady(String problem) {
      return new Status(false, Optional.of(problem));
    }
  }

  private final DataSource pool;
  /** Closed with this object when the pool is ours (not the container's). */
  private final boolean ownsPool;
  private final Duration retryDelay;
  /** Our own settings: migrations then open their own connections. */
  private final Optional<Settings> settings;
  private final Optional<String> password;
  private final ScheduledExecutorService starter;
  private final DataSource gated;
  private volatile Status status = Status.notReady("connecting to the database and applying"
      + " the schema migrations");
  private volatile boolean closed;
  private final AtomicInteger failedAttempts = new AtomicInteger();

  private Database(DataSource pool, Optional<Settings> settings, Duration retryDelay) {
    this.pool = pool;
    this.ownsPool = settings.isPresent();
    this.settings = settings;
    this.retryDelay = retryDelay;
    this.password = settings.map(Settings::password).filter(p -> !p.isEmpty());
    this.gated = new GatedDataSource();
    this.starter = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread t = new Thread(runnable, "direct-upload-database-start");
      t.setDaemon(true);
      return t;
    });
    starter.execute(this::attempt);
  }

  /** A pool of our own over {@code settings}; connects and migrates in the background. */
  public static Database start(Settings settings) {
    return new Database(pool(settings), Optional.of(settings), settings.retryDelay());
  }

  /**
   * Over a data source the container manages (looked up by JNDI, {@code database-jndi}): its
   * pool, timeouts and credentials are the container's; migrations and readiness are ours.
   */
  public static Database start(DataSource containerDataSource, Duration retryDelay) {
    return new Database(Objects.requireNonNull(containerDataSource, "containerDataSource"),
        Optional.empty(), Objects.requireNonNull(retryDelay, "retryDelay"));
  }

  /**
   * The pool. Every setting has a reason:
   *
   * <ul>
   *   <li>{@code maximumPoolSize} = {@code database-pool-size}, and as many kept idle (Hikari's
   *       advice: a fixed-size pool answers bursts without opening connections, and the
   *       database's connection budget is known: instances × pool size).
   *   <li>{@code connectionTimeout} 5 s: the longest a request waits for a connection (database
   *       down, or every connection busy) before it is answered 503; long enough for a pool
   *       under load, short enough that a user is not left waiting on a dead database.
   *   <li>{@code validationTimeout} 2 s: a connection idle for a while is checked
   *       ({@code isValid}, no test query) before it is handed out; below the connection timeout
   *       so a dead one is replaced within it.
   *   <li>{@code initializationFailTimeout} -1: the pool starts even when the database does not
   *       answer, and keeps trying; a database that is down at start does not fail the
   *       deployment.
   *   <li>{@code maxLifetime} 30 min and {@code keepaliveTime} 2 min (Hikari's defaults, set
   *       explicitly): connections are renewed before proxies or the database cut them, and a
   *       failover (a new primary behind the same DNS name) is followed within the lifetime.
   *   <li>Driver: {@code connectTimeout} 5 s and {@code socketTimeout} 30 s (a statement stuck on
   *       a database that vanished without closing the TCP connection fails instead of holding
   *       a request thread forever; ours take milliseconds), {@code tcpKeepAlive}, and
   *       {@code ApplicationName=direct-upload} to find our sessions in
   *       {@code pg_stat_activity}. The same parameters in the URL override these.
   * </ul>
   */
  private static HikariDataSource pool(Settings settings) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("direct-upload-db");
    config.setJdbcUrl(settings.url());
    if (!settings.user().isEmpty()) {
      config.setUsername(settings.user());
    }
    if (!settings.password().isEmpty()) {
      config.setPassword(settings.password());
    }
    config.setMaximumPoolSize(settings.poolSize());
    config.setMinimumIdle(settings.poolSize());
    config.setConnectionTimeout(settings.connectionTimeout().toMillis());
    config.setValidationTimeout(Math.min(2000, Math.max(250,
        settings.connectionTimeout().toMillis() / 2)));
    config.setInitializationFailTimeout(-1);
    config.setMaxLifetime(Duration.ofMinutes(30).toMillis());
    config.setKeepaliveTime(Duration.ofMinutes(2).toMillis());
    long connectSeconds = Math.max(1, settings.connectionTimeout().toSeconds());
    config.addDataSourceProperty("connectTimeout", Long.toString(connectSeconds));
    config.addDataSourceProperty("socketTimeout", "30");
    config.addDataSourceProperty("tcpKeepAlive", "true");
    config.addDataSourceProperty("ApplicationName", "direct-upload");
    return new HikariDataSource(config);
  }

  /**
   * Connections for the registry and the outbox: they fail with a message naming the reason
   * while the database is not ready.
   */
  public DataSource dataSource() {
    return gated;
  }

  public Status status() {
    return status;
  }

  /** Waits until ready, at most {@code timeout}; true when ready. For tests and start-up logs. */
  public boolean awaitReady(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (this) {
      while (!status.ready()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || closed) {
          return status.ready();
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return true;
    }
  }

  /** Attempts to connect and migrate that failed so far. */
  int failedAttempts() {
    return failedAttempts.get();
  }

  /** Stops the start-up attempts and closes the pool when it is ours. */
  @Override
  public void close() {
    closed = true;
    starter.shutdownNow();
    try {
      starter.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsPool && pool instanceof HikariDataSource hikari) {
      hikari.close();
    }
    synchronized (this) {
      notifyAll();
    }
  }

  /** One attempt to connect and migrate; on failure, the next is scheduled. */
  private void attempt() {
    if (closed) {
      return;
    }
    Status next;
    try {
      try (Connection c = pool.getConnection()) {
        // A connection that opens proves the address and the login; Flyway takes its own.
        c.getMetaData();
      }
      MigrateResult result = migrations().migrate();
      LOG.log(System.Logger.Level.INFO, "Database ready: schema version "
          + (result.targetSchemaVersion != null ? result.targetSchemaVersion
              : result.initialSchemaVersion) + " (" + result.migrationsExecuted
          + " migration(s) applied now)");
      next = Status.READY;
    } catch (SQLException e) {
      next = Status.notReady(Sql.describe(e) + settingToCheck(e));
    } catch (FlywayException e) {
      SQLException sql = sqlCause(e);
      next = Status.notReady("applying the schema migrations failed: "
          + (sql != null && isConnectionFailure(sql) ? Sql.describe(sql) + settingToCheck(sql)
              : redact(firstLine(e.getMessage()))));
    } catch (RuntimeException e) {
      next = Status.notReady("connecting failed unexpectedly (" + e.getClass().getSimpleName()
          + "); see the log");
      LOG.log(System.Logger.Level.ERROR, "Connecting to the database failed", e);
    }
    Status before = status;
    synchronized (this) {
      status = next;
      notifyAll();
    }
    if (next.ready() || closed) {
      return;
    }
    failedAttempts.incrementAndGet();
    if (!next.equals(before)) {
      LOG.log(System.Logger.Level.WARNING, "The database is not ready: "
          + next.problem().orElseThrow() + "; trying again every "
          + (retryDelay.toMillis() % 1000 == 0 ? retryDelay.toSeconds() + " s"
              : retryDelay.toMillis() + " ms"));
    }
    try {
      starter.schedule(this::attempt, retryDelay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // Closed meanwhile.
    }
  }

  /**
   * Flyway over connections of its own when the settings are ours: without the pool's socket
   * timeout, which would cut a long migration (an index built over millions of rows) after 30 s
   * and have it retried forever. Over the container's data source, its settings apply.
   */
  private Flyway migrations() {
    FluentConfiguration flyway = Flyway.configure(Database.class.getClassLoader())
        .locations("classpath:db/migration")
        .table(HISTORY_TABLE)
        .failOnMissingLocations(true);
    if (settings.isEmpty()) {
      return flyway.dataSource(pool).load();
    }
    Settings s = settings.get();
    return flyway.dataSource(s.url(), s.user().isEmpty() ? null : s.user(),
            s.password().isEmpty() ? null : s.password())
        .jdbcProperties(Map.of("socketTimeout", "0", "tcpKeepAlive", "true",
            "ApplicationName", "direct-upload-migrations"))
        .load();
  }

  /**
   * The setting an operator should look at for a connection that failed (the reason names no
   * URL nor password, so it must say where to look): the login when it was refused, the URL
   * when the server or the database was not found; the container's resource with a JNDI one.
   */
  private String settingToCheck(SQLException e) {
    String state = Sql.root(e).getSQLState();
    if (state == null || !(state.startsWith("08") || state.startsWith("28")
        || "3D000".equals(state))) {
      return "";
    }
    if (settings.isEmpty()) {
      return "; check the DataSource that database-jndi names";
    }
    return state.startsWith("28") ? "; check database-user and database-password"
        : "; check database-url";
  }

  private static SQLException sqlCause(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s) {
        return s;
      }
    }
    return null;
  }

  private static boolean isConnectionFailure(SQLException e) {
    String state = e.getSQLState();
    return e instanceof SQLTransientConnectionException
        || state != null && (state.startsWith("08") || state.startsWith("28")
            || state.startsWith("57P") || "3D000".equals(state));
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "no details";
    }
    String line = message.strip().lines().findFirst().orElse("no details");
    return line.length() > 300 ? line.substring(0, 300) + "..." : line;
  }

  /** No URL (it may carry credentials) and never the password, whatever a library wrote. */
  private String redact(String text) {
    String safe = text.replaceAll("jdbc:[^\\s)'\"]+", "<database-url>");
    if (password.isPresent()) {
      safe = safe.replace(password.get(), "<password>");
    }
    return safe;
  }

  /** Thrown by {@link #dataSource()} before the database is ready. */
  static final class NotReadyException extends SQLTransientConnectionException {
    private static final long serialVersionUID = 1L;

    NotReadyException(String problem) {
      super("the database is not ready: " + problem, "08000");
    }
  }

  /** The pool, behind the readiness check. */
  private final class GatedDataSource implements DataSource {
    private void check() throws SQLException {
      Status now = status;
      if (!now.ready()) {
        throw new NotReadyException(now.problem().orElse("not started"));
      }
    }

    @Override
    public Connection getConnection() throws SQLException {
      check();
      return pool.getConnection();
    }

    @Override
    public Connection getConnection(String username, String pass) throws SQLException {
      check();
      return pool.getConnection(username, pass);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
      return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
      pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
      pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
      return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
      if (type.isInstance(this)) {
        return type.cast(this);
      }
      return pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
      return type.isInstance(this) || pool.isWrapperFor(type);
    }
  }
}
