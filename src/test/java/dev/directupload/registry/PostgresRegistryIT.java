package dev.directupload.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.events.Delivery;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The registry contract against PostgreSQL, and what only a shared database adds: instances
 * (each with its own pool) see each other's changes at once and make one transition between them,
 * a change and its events commit together or not at all, times keep their microseconds, and the
 * listing walks its index.
 */
class PostgresRegistryIT extends RegistryContract {
  static final Duration LEASE = Duration.ofMinutes(1);
  private static TestPostgres server;
  private static String name;
  private static Database database;
  private static Database secondInstance;

  @BeforeAll
  static void startDatabase() throws InterruptedException {
    server = TestPostgres.shared();
    name = server.createDatabase("registry");
    database = open(12);
    secondInstance = open(8);
  }

  private static Database open(int poolSize) throws InterruptedException {
    Database db = Database.start(new Database.Settings(server.url(name), server.user(),
        server.password(), poolSize, Duration.ofSeconds(5), Duration.ofMillis(200)));
    assertTrue(db.awaitReady(Duration.ofSeconds(60)), () -> db.status().toString());
    return db;
  }

  @AfterAll
  static void closeDatabase() {
    database.close();
    secondInstance.close();
  }

  @Override
  Registry registry() {
    empty();
    return instance(database);
  }

  @Override
  int churn() {
    return 2_000;
  }

  private static PostgresRegistry instance(Database db) {
    return new PostgresRegistry(db.dataSource(), "here", LEASE, Clock.fixed(T0, ZoneOffset.UTC));
  }

  private static void empty() {
    execute("TRUNCATE uploads, tombstones, owner_usage, client_pending, outbox, bucket_imports");
    execute("UPDATE totals SET pending = 0, completed = 0");
  }

  private static void execute(String statement) {
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute(statement);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(String query) {
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void anUploadCompletedOnOneInstanceIsListedByTheOtherAtOnce() {
    Registry here = registry();
    Registry there = instance(secondInstance);
    here.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    assertTrue(there.find(id(1)).isPresent());
    assertEquals(1, there.pendingCount());
    here.markCompleted(id(1), T0.plusSeconds(1), Optional.of("\"e\""));
    assertEquals(List.of(id(1)), there.page("anonymous", 10, Optional.empty()).files().stream()
        .map(Upload::id).toList());
    there.remove(id(1), tombstone(id(1), T0.plusSeconds(600)));
    assertEquals(Optional.empty(), here.find(id(1)));
    assertTrue(here.isRemoved(id(1)));
    assertTrue(here.knowsEveryUpload(), "a miss needs no look in the bucket");
  }

  @Test
  void aClientsLimitHoldsAcrossInstances() {
    Registry here = registry();
    Registry there = instance(secondInstance);
    Limits one = new Limits(1000, 1, 0, 0);
    assertEquals(Admission.ADMITTED,
        here.addPending(pending(id(1), "bob", "user:bob", 1, T0.plusSeconds(60)), one, T0));
    assertEquals(Admission.CLIENT_FULL,
        there.addPending(pending(id(2), "bob", "user:bob", 1, T0.plusSeconds(60)), one, T0));
  }

  @Test
  void aFullRegistryIsFullForEveryInstance() {
    Registry here = registry();
    Registry there = instance(secondInstance);
    Limits two = new Limits(2, 100, 0, 0);
    here.addPending(pending(id(1), T0.plusSeconds(60)), two, T0);
    here.addPending(pending(id(2), T0.plusSeconds(60)), two, T0);
    assertEquals(Admission.FULL, there.addPending(pending(id(3), T0.plusSeconds(60)), two, T0));
  }

  @Test
  void nearMaxPendingEveryAdmissionCountsWhatOtherInstancesAdmitted() {
    Registry registry = registry();
    Limits limits = new Limits(20_000, 100, 0, 0); // a headroom of 2,000
    // Other instances admitted 17,998 (their rows do not matter here, only the count).
    execute("UPDATE totals SET pending = 17998 WHERE shard = 0");
    assertEquals(Admission.ADMITTED, registry.addPending(
        pending(id(1), "a", "user:a", 1, T0.plusSeconds(60)), limits, T0));
    assertEquals(Admission.ADMITTED, registry.addPending(
        pending(id(2), "a", "user:a", 1, T0.plusSeconds(60)), limits, T0),
        "within the headroom now: counted exactly, and there is room");
    execute("UPDATE totals SET pending = 20000 WHERE shard = 0");
    assertEquals(Admission.FULL, registry.addPending(
        pending(id(3), "a", "user:a", 1, T0.plusSeconds(60)), limits, T0),
        "the estimate is younger than a second, yet near the limit the count is exact");
  }

  @Test
  void completingOnTwoInstancesAtOnceMakesOneFileAndOneEvent() throws Exception {
    Registry here = registry();
    Registry there = instance(secondInstance);
    int uploads = 40;
    for (int i = 0; i < uploads; i++) {
      here.addPending(pending(id(i), T0.plusSeconds(60)), ROOMY, T0);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    CountDownLatch start = new CountDownLatch(1);
    List<Future<Changed>> results = new ArrayList<>();
    for (int i = 0; i < uploads; i++) {
      String id = id(i);
      for (Registry instance : List.of(here, there)) {
        Event event = Event.create(Event.UPLOAD_COMPLETED, id, Map.of(), T0);
        results.add(pool.submit(() -> {
          start.await();
          return instance.markCompleted(id, T0.plusSeconds(1), Optional.empty(),
                Registry.SIZE_AS_SIGNED,
              List.of(event));
        }));
      }
    }
    start.countDown();
    int recorded = 0;
    for (Future<Changed> result : results) {
      Changed changed = result.get(60, TimeUnit.SECONDS);
      assertTrue(changed.upload().orElseThrow().isCompleted());
      recorded += changed.recorded().size();
    }
    pool.shutdown();
    assertEquals(uploads, recorded, "one event per upload between both instances");
    assertEquals(uploads, count("SELECT count(*) FROM outbox"));
    assertEquals(uploads, there.completedCount());
    assertEquals(0, here.pendingCount());
    assertEquals(new Usage(uploads, uploads, 0, 0), there.usage("anonymous"));
  }

  @Test
  void aCompletionWhoseEventCannotBeRecordedLeavesTheUploadPending() {
    PostgresRegistry registry = (PostgresRegistry) registry();
    Limits one = new Limits(1000, 1, 0, 0);
    registry.addPending(pending(id(1), "bob", "user:bob", 5, T0.plusSeconds(60)), one, T0);
    Event event = Event.create(Event.UPLOAD_COMPLETED, id(1), Map.of(), T0);
    new PostgresOutbox(database.dataSource()).record(event, "here", T0, LEASE);

    // The same webhook-id twice breaks the outbox's unique constraint: the insert fails.
    RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
        () -> registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty(),
            Registry.SIZE_AS_SIGNED, List.of(event)));
    assertTrue(e.getMessage().contains("constraint"), e.getMessage());

    assertFalse(registry.find(id(1)).orElseThrow().isCompleted());
    assertEquals(1, registry.pendingCount());
    assertEquals(0, registry.completedCount());
    assertEquals(new Usage(0, 0, 1, 5), registry.usage("bob"));
    assertEquals(Admission.CLIENT_FULL, registry.addPending(
        pending(id(2), "bob", "user:bob", 5, T0.plusSeconds(60)), one, T0),
        "the client's place is still taken");
    assertEquals(1, count("SELECT count(*) FROM outbox"));
  }

  @Test
  void eventsRecordedWithAChangeAreLeasedToTheProducerAndSurviveIt() {
    Registry registry = registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    Changed changed = registry.markCompleted(id(1), T0.plusSeconds(1), Optional.empty(),
        Registry.SIZE_AS_SIGNED, List.of(event(Event.UPLOAD_COMPLETED, id(1))));
    Delivery recorded = changed.recorded().get(0);
    assertEquals("here", recorded.leaseOwner());
    assertEquals(T0.plus(LEASE), recorded.leaseUntil());

    PostgresOutbox outbox = new PostgresOutbox(secondInstance.dataSource());
    assertTrue(outbox.isNext(recorded));
    assertEquals(List.of(), outbox.claimDue("other", T0.plusSeconds(59), 10, LEASE));
    List<Delivery> takenOver = outbox.claimDue("other", T0.plus(LEASE), 10, LEASE);
    assertEquals(List.of(recorded.event()), takenOver.stream().map(Delivery::event).toList());
  }

  @Test
  void timesKeepTheirMicrosecondsAndTheCursorStillWalksEveryFile() {
    Registry registry = registry();
    Instant micros = T0.plusNanos(123_456_000);
    Instant nanos = T0.plusNanos(123_456_789);
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    registry.addPending(pending(id(2), T0.plusSeconds(60)), ROOMY, T0);
    registry.addPending(pending(id(3), T0.plusSeconds(60)), ROOMY, T0);
    assertEquals(Optional.of(micros), registry.markCompleted(id(1), micros, Optional.empty())
        .flatMap(Upload::completedAt));
    assertEquals(Optional.of(micros), registry.markCompleted(id(2), nanos, Optional.empty())
        .flatMap(Upload::completedAt), "cut, not rounded, to the microsecond");
    registry.markCompleted(id(3), T0.plusNanos(999_999_999), Optional.empty());
    assertEquals(Optional.of(T0.plusNanos(999_999_000)),
        registry.find(id(3)).flatMap(Upload::completedAt));

    List<String> seen = new ArrayList<>();
    Optional<String> cursor = Optional.empty();
    do {
      FilePage page = registry.page("anonymous", 1, cursor);
      page.files().forEach(u -> seen.add(u.id()));
      cursor = page.nextCursor();
    } while (cursor.isPresent());
    assertEquals(List.of(id(3), id(2), id(1)), seen);

    // A cursor the in-memory registry issued, between the two files of the same microsecond:
    // everything stored at that microsecond is listed after it.
    String foreign = new ListingCursor(nanos, id(2)).encode();
    assertEquals(List.of(id(2), id(1)), registry.page("anonymous", 10, Optional.of(foreign))
        .files().stream().map(Upload::id).toList());
  }

  @Test
  void theListingWalksItsIndexWithoutSorting() throws SQLException {
    registry();
    try (Connection c = database.dataSource().getConnection();
        Statement s = c.createStatement()) {
      s.execute("SET enable_seqscan = off");
      StringBuilder plan = new StringBuilder();
      try (ResultSet rs = s.executeQuery("EXPLAIN SELECT id FROM uploads WHERE owner = 'a'"
          + " AND completed_at IS NOT NULL"
          + " AND (completed_at, id) < ('2026-01-01T00:00:00Z'::timestamptz, 'x')"
          + " ORDER BY completed_at DESC, id DESC LIMIT 51")) {
        while (rs.next()) {
          plan.append(rs.getString(1)).append('\n');
        }
      }
      assertTrue(plan.toString().contains("uploads_listing"), plan.toString());
      assertFalse(plan.toString().contains("Sort"), plan.toString());
    }
  }

  @Test
  void aRemovalRacingARebuildNeverLeavesAFileBothListedAndRemoved() throws Exception {
    Registry registry = registry();
    Registry there = instance(secondInstance);
    int ids = 200;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    List<Future<?>> done = new ArrayList<>();
    for (int i = 0; i < ids; i++) {
      Upload file = pending(id(i), T0).completed(T0, Optional.empty());
      CountDownLatch both = new CountDownLatch(2);
      Callable<Object> add = () -> {
        both.countDown();
        both.await();
        return registry.addCompleted(file);
      };
      Callable<Object> remove = () -> {
        both.countDown();
        both.await();
        return there.remove(file.id(), tombstone(file.id(), T0.plusSeconds(600)));
      };
      done.add(pool.submit(add));
      done.add(pool.submit(remove));
    }
    for (Future<?> f : done) {
      f.get(60, TimeUnit.SECONDS);
    }
    pool.shutdown();
    for (int i = 0; i < ids; i++) {
      assertTrue(registry.isRemoved(id(i)));
      assertEquals(Optional.empty(), registry.find(id(i)), id(i));
    }
    assertEquals(0, registry.completedCount());
    assertEquals(Usage.NONE, registry.usage("anonymous"));
  }

  @Test
  void aBatchOfFilesFromTheStoreSkipsThoseKnownOrRemoved() {
    PostgresRegistry registry = (PostgresRegistry) registry();
    registry.addPending(pending(id(1), T0.plusSeconds(60)), ROOMY, T0);
    registry.remove(id(2), tombstone(id(2), T0.plusSeconds(600)));
    List<Upload> found = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      found.add(pending(id(i), "erin", "erin", 10, T0).completed(T0.plusSeconds(i),
          Optional.empty()));
    }
    assertEquals(3, registry.addCompletedAll(found));
    assertEquals(new Usage(3, 30, 0, 0), registry.usage("erin"));
    assertEquals(3, registry.completedCount());
    assertEquals(List.of(id(5), id(4), id(3)), registry.page("erin", 10, Optional.empty())
        .files().stream().map(Upload::id).toList());
  }

  @Test
  void anImportResumesWhereItStoppedAndRunsOnOneInstanceAtATime() {
    registry();
    BucketImports here = new BucketImports(database.dataSource());
    BucketImports there = new BucketImports(secondInstance.dataSource());
    String source = "bucket/uploads/";
    assertEquals(Optional.empty(), here.progress(source));
    assertTrue(here.claim(source, "a", T0, LEASE).isPresent());
    assertEquals(Optional.empty(), there.claim(source, "b", T0.plusSeconds(30), LEASE),
        "a's lease is live");
    assertTrue(here.advance(source, "a", "uploads/k100", 100, T0.plusSeconds(30), LEASE));

    BucketImports.Progress resumed = there.claim(source, "b", T0.plusSeconds(91), LEASE)
        .orElseThrow();
    assertEquals(Optional.of("uploads/k100"), resumed.afterKey());
    assertEquals(100, resumed.imported());
    assertFalse(here.advance(source, "a", "uploads/k200", 100, T0.plusSeconds(92), LEASE),
        "a lost it to b");
    assertTrue(there.finish(source, "b", T0.plusSeconds(95)));
    assertTrue(here.progress(source).orElseThrow().isFinished());
    assertEquals(Optional.empty(), here.claim(source, "a", T0.plusSeconds(999), LEASE),
        "a finished import is not run again");
  }

  @Test
  void anImportHandedBackByAStoppingInstanceIsResumedAtOnceAndItsLateAdvanceFails() {
    registry();
    BucketImports here = new BucketImports(database.dataSource());
    BucketImports there = new BucketImports(secondInstance.dataSource());
    String source = "bucket/handed-back/";
    assertTrue(here.claim(source, "a", T0, LEASE).isPresent());
    assertTrue(here.advance(source, "a", "uploads/k100", 100, T0.plusSeconds(1), LEASE));

    assertTrue(here.release(source, "a", T0.plusSeconds(2)));
    BucketImports.Progress resumed = there.claim(source, "b", T0.plusSeconds(3), LEASE)
        .orElseThrow(() -> new AssertionError("b waits for a lease a gave up"));
    assertEquals(Optional.of("uploads/k100"), resumed.afterKey());
    assertFalse(here.advance(source, "a", "uploads/k200", 100, T0.plusSeconds(4), LEASE),
        "a batch a was still writing when it stopped does not take the import back");
    assertFalse(here.release(source, "a", T0.plusSeconds(5)), "a holds nothing to hand back");
    assertEquals("b", here.progress(source).orElseThrow().runner());
  }
}
