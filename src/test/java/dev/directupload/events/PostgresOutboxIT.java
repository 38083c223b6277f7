package dev.directupload.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.registry.Database;
import dev.directupload.registry.PostgresOutbox;
import dev.directupload.storage.StorageException;
import dev.directupload.testing.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox contract in PostgreSQL, and what its atomic claims add: instances scanning at the
 * same moment (each with its own pool) never hold the same event at once, and the events survive
 * the instance that recorded them.
 */
class PostgresOutboxIT extends OutboxContract {
  private static Database database;
  private static Database otherInstance;
  private final PostgresOutbox outbox = new PostgresOutbox(database.dataSource());

  @BeforeAll
  static void startDatabase() throws InterruptedException {
    TestPostgres server = TestPostgres.shared();
    String name = server.createDatabase("outbox");
    database = open(server, name);
    otherInstance = open(server, name);
  }

  private static Database open(TestPostgres server, String name) throws InterruptedException {
    Database db = Database.start(new Database.Settings(server.url(name), server.user(),
        server.password(), 6, Duration.ofSeconds(5), Duration.ofMillis(200)));
    assertTrue(db.awaitReady(Duration.ofSeconds(60)), () -> db.status().toString());
    return db;
  }

  @AfterAll
  static void closeDatabase() {
    database.close();
    otherInstance.close();
  }

  @BeforeEach
  void empty() throws SQLException {
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("TRUNCATE outbox");
    }
  }

  @Override
  Outbox outbox() {
    return outbox;
  }

  @Override
  List<Delivery> abandoned() {
    return outbox.abandoned(100);
  }

  @Test
  void instancesScanningAtOnceNeverHoldTheSameEvent() throws Exception {
    int events = 300;
    for (int i = 0; i < events; i++) {
      outbox.record(event("s" + i, "e" + i), "gone", T0, LEASE);
    }
    List<Outbox> instances = List.of(outbox, new PostgresOutbox(otherInstance.dataSource()));
    Instant later = T0.plus(LEASE);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<List<Delivery>>> scans = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      Outbox instance = instances.get(t % 2);
      String claimant = "claimant-" + t;
      scans.add(pool.submit(() -> {
        start.await();
        List<Delivery> mine = new ArrayList<>();
        List<Delivery> batch;
        do {
          batch = instance.claimDue(claimant, later, 7, LEASE);
          mine.addAll(batch);
        } while (!batch.isEmpty());
        return mine;
      }));
    }
    start.countDown();
    Set<String> claimed = new HashSet<>();
    int total = 0;
    for (Future<List<Delivery>> scan : scans) {
      for (Delivery d : scan.get(60, TimeUnit.SECONDS)) {
        total++;
        assertTrue(claimed.add(d.event().id()), "claimed twice: " + d.event().id());
      }
    }
    pool.shutdown();
    assertEquals(events, total);
  }

  @Test
  void eventsSurviveTheInstanceThatRecordedThem() {
    Delivery d = outbox.record(event("s1", "a"), "gone", T0, LEASE);
    PostgresOutbox afterRestart = new PostgresOutbox(otherInstance.dataSource());
    List<Delivery> claimed = afterRestart.claimDue("new", T0.plusSeconds(61), 10, LEASE);
    assertEquals(List.of(d.event()), claimed.stream().map(Delivery::event).toList());
  }

  @Test
  void aFailingDatabaseIsReportedAsTheOutboxsStoreFailing() throws InterruptedException {
    TestPostgres server = TestPostgres.shared();
    Database unreachable = Database.start(new Database.Settings(server.url("no_such_db"),
        server.user(), server.password(), 1, Duration.ofMillis(500), Duration.ofSeconds(30)));
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!unreachable.status().problem().orElse("").contains("does not exist")) {
        assertTrue(System.nanoTime() < deadline, () -> unreachable.status().toString());
        assertEquals(false, unreachable.awaitReady(Duration.ofMillis(50)));
      }
      PostgresOutbox down = new PostgresOutbox(unreachable.dataSource());
      StorageException e = assertThrows(StorageException.class,
          () -> down.claimDue("c", T0, 10, LEASE));
      assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    } finally {
      unreachable.close();
    }
  }
}
