package dev.directupload.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.events.Event;
import dev.directupload.testing.TestPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * The database going away under a running registry: every call fails with
 * {@link RegistryUnavailableException} (bounded by the pool's connection timeout), the same
 * registry works again once the database is back, and a crash of the database loses no
 * completion it acknowledged and leaves none half-written. A server of its own, stopped and
 * crashed here.
 */
class PostgresOutageIT {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Limits ROOMY = new Limits(100_000, 100_000, 0, 0);
  private TestPostgres server;
  private Database database;
  private PostgresRegistry registry;

  @BeforeEach
  void start() throws InterruptedException {
    server = TestPostgres.startDedicated();
    String name = server.createDatabase("outage");
    database = Database.start(new Database.Settings(server.url(name), server.user(),
        server.password(), 4, Duration.ofMillis(500), Duration.ofMillis(200)));
    assertTrue(database.awaitReady(Duration.ofSeconds(60)), () -> database.status().toString());
    registry = new PostgresRegistry(database.dataSource(), "here", Duration.ofMinutes(1),
        Clock.fixed(T0, ZoneOffset.UTC));
  }

  @AfterEach
  void stop() {
    database.close();
    server.crash();
  }

  private static String id(int n) {
    return String.format("id%020d", n);
  }

  private static Upload pending(String id) {
    return new Upload(id, "alice", "user:alice", "uploads/" + id + "/a.txt", "a.txt",
        "text/plain", 10, Optional.empty(), Map.of(), T0, T0.plusSeconds(600), Optional.empty(),
        Optional.empty(), Optional.empty());
  }

  @Test
  void everyCallFailsWhileTheDatabaseIsDownAndTheSameRegistryWorksOnceItIsBack()
      throws InterruptedException {
    registry.addPending(pending(id(1)), ROOMY, T0);
    server.stop();

    Map<String, Executable> calls = new LinkedHashMap<>();
    calls.put("find", () -> registry.find(id(1)));
    calls.put("addPending", () -> registry.addPending(pending(id(2)), ROOMY, T0));
    calls.put("markCompleted", () -> registry.markCompleted(id(1), T0, Optional.empty()));
    calls.put("remove", () -> registry.remove(id(1), null));
    calls.put("removeIfPending", () -> registry.removeIfPending(id(1), null));
    calls.put("startMultipart", () -> registry.startMultipart(id(1),
        new MultipartPlan(Optional.of("s"), 5, 2), T0));
    calls.put("addCompleted", () -> registry.addCompleted(pending(id(3)).completed(T0,
        Optional.empty())));
    calls.put("page", () -> registry.page("alice", 10, Optional.empty()));
    calls.put("pending", () -> registry.pending("alice"));
    calls.put("usage", () -> registry.usage("alice"));
    calls.put("expiredPending", () -> registry.expiredPending(T0, 10));
    calls.put("expiredTombstones", () -> registry.expiredTombstones(T0, 10));
    calls.put("isRemoved", () -> registry.isRemoved(id(1)));
    calls.put("forgetTombstone", () -> registry.forgetTombstone(id(1)));
    calls.put("pendingCount", registry::pendingCount);
    calls.put("completedCount", registry::completedCount);
    calls.forEach((name, call) -> {
      RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class, call,
          name);
      assertTrue(e.getMessage().startsWith("The database could not"), e.getMessage());
      assertFalse(e.getMessage().contains(server.password())
          || e.getMessage().contains("jdbc:"), e.getMessage());
    });

    server.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        registry.find(id(1));
        break;
      } catch (RegistryUnavailableException e) {
        assertTrue(System.nanoTime() < deadline, "still failing: " + e.getMessage());
        Thread.onSpinWait();
      }
    }
    assertTrue(registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty())
        .orElseThrow().isCompleted());
    assertEquals(1, registry.completedCount());
    assertEquals(0, registry.pendingCount());
  }

  @Test
  void aCrashOfTheDatabaseLosesNoAcknowledgedCompletionAndHalfWritesNone() throws Exception {
    int uploads = 400;
    for (int i = 0; i < uploads; i++) {
      registry.addPending(pending(id(i)), ROOMY, T0);
    }
    Set<String> acknowledged = ConcurrentHashMap.newKeySet();
    AtomicInteger next = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      workers.add(pool.submit(() -> {
        for (int i = next.getAndIncrement(); i < uploads; i = next.getAndIncrement()) {
          String id = id(i);
          try {
            registry.markCompleted(id, T0.plusSeconds(1), Optional.empty(),
                Registry.SIZE_AS_SIGNED,
                List.of(Event.create(Event.UPLOAD_COMPLETED, id, Map.of(), T0)));
            acknowledged.add(id);
          } catch (RegistryUnavailableException e) {
            return null; // the database is gone: this worker stops
          }
        }
        return null;
      }));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (acknowledged.size() < 50) {
      assertTrue(System.nanoTime() < deadline, "completions did not start");
      Thread.onSpinWait();
    }
    server.crash();
    for (Future<?> worker : workers) {
      worker.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    server.start();

    for (String id : acknowledged) {
      assertTrue(awaitFind(id).orElseThrow().isCompleted(), id);
    }
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      long completedRows = single(s, "SELECT count(*) FROM uploads"
          + " WHERE completed_at IS NOT NULL");
      long rows = single(s, "SELECT count(*) FROM uploads");
      assertTrue(completedRows >= acknowledged.size());
      assertEquals(uploads, rows, "no upload lost");
      assertEquals(completedRows, single(s, "SELECT count(*) FROM outbox"),
          "one event with each completion, none without");
      assertEquals(completedRows, registry.completedCount());
      assertEquals(uploads - completedRows, registry.pendingCount());
      assertEquals(new Usage(completedRows, completedRows * 10, uploads - completedRows,
          (uploads - completedRows) * 10), registry.usage("alice"));
      assertEquals(uploads - completedRows, single(s,
          "SELECT coalesce(sum(pending), 0) FROM client_pending WHERE client = 'user:alice'"));
    }
  }

  private Optional<Upload> awaitFind(String id) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return registry.find(id);
      } catch (RegistryUnavailableException e) {
        assertTrue(System.nanoTime() < deadline, "still failing: " + e.getMessage());
        Thread.onSpinWait();
      }
    }
  }

  private static long single(Statement s, String query) throws SQLException {
    try (ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
