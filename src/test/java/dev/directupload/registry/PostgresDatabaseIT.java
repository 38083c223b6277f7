package dev.directupload.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.testing.TestPostgres;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Starting against a database: instances that start together apply each migration once, and a
 * database that is not there, refuses the login or holds someone else's tables is reported, in
 * words that never show the password, while the deployment keeps running and keeps trying.
 */
class PostgresDatabaseIT {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final TestPostgres server = TestPostgres.shared();

  private Database start(String url, String password) {
    return Database.start(new Database.Settings(url, server.user(), password, 2,
        Duration.ofMillis(500), Duration.ofMillis(100)));
  }

  private static void awaitProblem(Database db, Predicate<String> expected) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!expected.test(db.status().problem().orElse(""))) {
      assertTrue(System.nanoTime() < deadline, () -> "status: " + db.status());
      try {
        assertFalse(db.awaitReady(Duration.ofMillis(50)), () -> "status: " + db.status());
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  private static Upload upload(String id) {
    return new Upload(id, "alice", "user:alice", "uploads/" + id, "a.txt", "text/plain", 1,
        Optional.empty(), Map.of(), T0, T0.plusSeconds(60), Optional.empty(), Optional.empty(),
        Optional.empty());
  }

  private static PostgresRegistry registry(Database db) {
    return new PostgresRegistry(db.dataSource(), "here", Duration.ofMinutes(1),
        Clock.systemUTC());
  }

  @Test
  void instancesStartingTogetherApplyTheMigrationsOnce() throws Exception {
    String name = server.createDatabase("together");
    int instances = 4;
    ExecutorService pool = Executors.newFixedThreadPool(instances);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Database>> started = new ArrayList<>();
    for (int i = 0; i < instances; i++) {
      started.add(pool.submit(() -> {
        go.await();
        return Database.start(new Database.Settings(server.url(name), server.user(),
            server.password(), 2, Duration.ofSeconds(5), Duration.ofSeconds(30)));
      }));
    }
    go.countDown();
    List<Database> databases = new ArrayList<>();
    try {
      for (Future<Database> f : started) {
        databases.add(f.get(30, TimeUnit.SECONDS));
      }
      for (Database db : databases) {
        assertTrue(db.awaitReady(Duration.ofSeconds(60)), () -> db.status().toString());
        assertEquals(0, db.failedAttempts(), "each ready at its first attempt (Flyway's lock)");
      }
      try (Connection c = databases.get(0).dataSource().getConnection();
          Statement s = c.createStatement();
          ResultSet rs = s.executeQuery("SELECT count(*) FROM " + Database.HISTORY_TABLE
              + " WHERE version = '1' AND success")) {
        rs.next();
        assertEquals(1, rs.getInt(1));
      }
      assertEquals(Admission.ADMITTED, registry(databases.get(3)).addPending(upload(
          "id00000000000000000001"), new Limits(10, 10, 0, 0), T0));
    } finally {
      databases.forEach(Database::close);
      pool.shutdown();
    }
  }

  @Test
  void aRefusedLoginIsReportedWithoutThePasswordAndEveryCallFails() {
    String wrong = "wrong-" + server.password();
    Database db = start(server.url("postgres"), wrong);
    try {
      awaitProblem(db, p -> p.contains("refused the login"));
      String problem = db.status().problem().orElseThrow();
      assertFalse(problem.contains(wrong), problem);
      assertTrue(problem.endsWith("; check database-user and database-password"), problem);
      RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
          () -> registry(db).find("id00000000000000000001"));
      assertTrue(e.getMessage().contains("refused the login"), e.getMessage());
      assertFalse(e.getMessage().contains(wrong) || e.getMessage().contains("jdbc:")
          || e.getMessage().contains(Integer.toString(server.port())), e.getMessage());
    } finally {
      db.close();
    }
  }

  @Test
  void aDatabaseCreatedLaterIsUsedWithoutARestart() throws InterruptedException {
    String name = "later_" + System.nanoTime();
    Database db = start(server.url(name), server.password());
    try {
      awaitProblem(db, p -> p.contains("does not exist"));
      server.admin("CREATE DATABASE " + name);
      assertTrue(db.awaitReady(Duration.ofSeconds(30)), () -> db.status().toString());
      assertEquals(Admission.ADMITTED, registry(db).addPending(upload("id00000000000000000001"),
          new Limits(10, 10, 0, 0), T0));
    } finally {
      db.close();
    }
  }

  @Test
  void nothingListeningIsReportedAsUnreachable() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    Database db = start("jdbc:postgresql://127.0.0.1:" + port + "/x", server.password());
    try {
      awaitProblem(db, p -> p.contains("cannot reach the database"));
      assertTrue(db.status().problem().orElseThrow().endsWith("; check database-url"),
          () -> db.status().toString());
    } finally {
      db.close();
    }
  }

  @Test
  void aDatabaseHoldingOtherTablesIsNotMigrated() throws SQLException {
    String name = server.createDatabase("foreign");
    try (Connection c = DriverManager.getConnection(server.url(name), server.user(),
        server.password()); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE invoices (id bigint PRIMARY KEY)");
    }
    Database db = start(server.url(name), server.password());
    try {
      awaitProblem(db, p -> p.startsWith("applying the schema migrations failed")
          && p.contains("non-empty schema"));
    } finally {
      db.close();
    }
  }

  @Test
  void settingsNeverShowThePasswordAndRefuseAnotherKindOfUrl() {
    Database.Settings settings = Database.Settings.of(
        "jdbc:postgresql://db:5432/uploads?password=in-url", "app", "s3cret", 10);
    assertFalse(settings.toString().contains("s3cret"), settings.toString());
    assertFalse(settings.toString().contains("in-url"), settings.toString());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Database.Settings.of("jdbc:mysql://db/uploads", "app", "s3cret", 10));
    assertTrue(e.getMessage().contains("database-url"), e.getMessage());
    assertThrows(IllegalArgumentException.class,
        () -> Database.Settings.of("jdbc:postgresql://db/uploads", "app", "s3cret", 0));
  }
}
