package dev.directupload.bench;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The two registries through HTTP, in one run (issue 12): the application twice in embedded
 * Jetty in this JVM, one with the in-memory registry and one with the PostgreSQL registry
 * (Debian's PostgreSQL from {@link TestPostgres}: {@code fsync} off, {@code synchronous_commit}
 * on, so a commit waits for the write to the operating system but not for the disk; the run
 * prints what is in force), both over one {@link BenchS3} on loopback with no delay (signatures not
 * checked), each under its own key prefix.
 * <ol>
 *   <li><b>Upload cycles</b>: {@code -Dthreads} client threads each repeat POST api/uploads (a
 *       1 KiB text file), PUT of the bytes to the signed URL, POST api/uploads/{id}/complete;
 *       {@code -Drounds} rounds of {@code -Dseconds} per registry after one warm-up round each,
 *       the registries taking turns (ABBA) so that a neighbour's load falls on both alike.
 *   <li><b>Restart over PostgreSQL</b>: the PostgreSQL app stopped and started again, time to
 *       the first api/health 200 and to api/files {@code complete: true}, 3 times, with the rows
 *       the cycles left, and again after each bulk insert.
 *   <li><b>A page of 100</b> ({@code GET api/files?limit=100}) over {@code -Drows} completed
 *       rows (a comma-separated list of totals), bulk-inserted in SQL as PostgresThroughput does,
 *       every one owned by the caller (anonymous): the first page, and the page after a cursor
 *       in the middle of the rows; 200 of each taking turns after 100 of each to warm up, one
 *       request at a time.
 * </ol>
 * Every figure is wall-clock time on a machine whose 2 CPUs the clients, both apps, BenchS3 and
 * PostgreSQL share: compare the registries with each other, not with a production server.
 *
 * <pre>mvn -q -o -Pbench test-compile exec:exec@registries -Dthreads=8 -Drounds=3 -Dseconds=10
 *     -Drows=1000000,10000000</pre>
 */
public final class RegistryThroughput {
  private static final int FILE_SIZE = 1024;
  private static final byte[] BODY = body();
  private static final int PAGE_WARMUP = 100;
  private static final int PAGES = 200;
  private static final Duration LIMIT = Duration.ofMinutes(10);
  private static final Set<String> RESTRICTED = Set.of("host", "content-length", "connection",
      "expect", "upgrade");

  private RegistryThroughput() {}

  /** What one round of cycles did. */
  private record Round(String registry, long cycles, double seconds, double presignMs,
      double putMs, double completeMs, String storeRequestsPerCycle, String load) {
    double perSecond() {
      return cycles / seconds;
    }
  }

  public static void main(String[] args) throws Exception {
    int threads = Integer.getInteger("threads", 8);
    int rounds = Integer.getInteger("rounds", 3);
    int seconds = Integer.getInteger("seconds", 10);
    List<Long> rows = Arrays.stream(System.getProperty("rows", "1000000,10000000").split(","))
        .map(String::trim).filter(s -> !s.isEmpty()).map(Long::valueOf).toList();
    System.setProperty("aws.accessKeyId", "bench");
    System.setProperty("aws.secretAccessKey", "bench");

    TestPostgres postgres = TestPostgres.shared();
    String database = postgres.createDatabase("registries");
    // TestPostgres starts the server with -c fsync=off, which ALTER SYSTEM cannot override (a
    // command-line setting wins over postgresql.auto.conf): say what is in force.
    String durability;
    try (Connection c = DriverManager.getConnection(postgres.url(database), postgres.user(),
        postgres.password()); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT current_setting('fsync'),"
            + " current_setting('synchronous_commit'), version()")) {
      r.next();
      durability = "fsync " + r.getString(1) + ", synchronous_commit " + r.getString(2) + ", "
          + r.getString(3).split(" on ")[0];
    }
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5))
        .executor(Executors.newFixedThreadPool(4, daemons("bench-http"))).build();
    System.out.printf(Locale.ROOT, "registries through HTTP: %d client threads, %d rounds of"
        + " %d s each after 1 warm-up round, %d-byte files, PostgreSQL %s (%s); %d CPUs,"
        + " load %s%n", threads, rounds, seconds, FILE_SIZE, postgres.url(database), durability,
        Runtime.getRuntime().availableProcessors(), RestartCost.load());

    try (BenchS3 s3 = BenchS3.start()) {
      Map<String, String> common = Map.of("bucket", s3.bucket(), "endpoint",
          s3.endpoint().toString(), "region", "us-east-1", "path-style", "true",
          "rate-limit", "0", "max-pending", "1000000");
      Map<String, String> memorySettings = new HashMap<>(common);
      memorySettings.put("key-prefix", "memory/");
      Map<String, String> pgSettings = new HashMap<>(common);
      pgSettings.put("key-prefix", "pg/");
      pgSettings.put("database-url", postgres.url(database));
      pgSettings.put("database-user", postgres.user());
      pgSettings.put("database-password", postgres.password());

      AppStart memory = AppStart.start(memorySettings, http);
      AppStart pg = AppStart.start(pgSettings, http);
      try {
        memory.untilListed(LIMIT);
        pg.untilListed(LIMIT);
        Map<String, AppStart> apps = new LinkedHashMap<>();
        apps.put("memory", memory);
        apps.put("postgresql", pg);
        List<Round> all = new ArrayList<>();
        for (int round = 0; round <= rounds; round++) {
          List<String> order = round % 2 == 0 ? List.of("memory", "postgresql")
              : List.of("postgresql", "memory");
          for (String name : order) {
            Round r = cycles(name, apps.get(name).url(), http, threads, seconds, s3);
            System.out.printf(Locale.ROOT, "%s %-10s %,7.0f cycles/s (%,d in %.1f s);"
                + " mean per step: presign %.2f ms, PUT %.2f ms, complete %.2f ms; store"
                + " requests per cycle %s; load %s%n",
                round == 0 ? "warm-up " : "round " + round, name, r.perSecond(), r.cycles(),
                r.seconds(), r.presignMs(), r.putMs(), r.completeMs(),
                r.storeRequestsPerCycle(), r.load());
            if (round > 0) {
              all.add(r);
            }
          }
        }
        System.out.printf(Locale.ROOT, "%nupload cycles (POST api/uploads + PUT + complete),"
            + " %d client threads, median of %d rounds (min-max)%n", threads, rounds);
        System.out.println("| registry | cycles/s | presign ms | PUT ms | complete ms |"
            + " store requests per cycle (last round) |");
        System.out.println("|---|---:|---:|---:|---:|---|");
        for (String name : apps.keySet()) {
          List<Round> mine = all.stream().filter(r -> r.registry().equals(name)).toList();
          System.out.printf(Locale.ROOT, "| %s | %s | %s | %s | %s | %s |%n", name,
              summary(mine.stream().mapToDouble(Round::perSecond).toArray(), "%,.0f"),
              summary(mine.stream().mapToDouble(Round::presignMs).toArray(), "%.2f"),
              summary(mine.stream().mapToDouble(Round::putMs).toArray(), "%.2f"),
              summary(mine.stream().mapToDouble(Round::completeMs).toArray(), "%.2f"),
              mine.get(mine.size() - 1).storeRequestsPerCycle());
        }
        memory.close();
        memory = null;

        long inTable = count(postgres, database);
        pg = restarts(pg, pgSettings, http, inTable);
        long inserted = 0;
        for (long total : rows) {
          long more = total - inserted;
          if (more <= 0) {
            continue;
          }
          bulkInsert(postgres, database, inserted, more);
          inserted = total;
          inTable = count(postgres, database);
          pg = restarts(pg, pgSettings, http, inTable);
          pages(pg, postgres, database, inTable);
        }
      } finally {
        if (memory != null) {
          memory.close();
        }
        pg.close();
      }
    }
  }

  /** {@code threads} clients repeating the upload cycle for {@code seconds}. */
  private static Round cycles(String registry, String url, HttpClient http, int threads,
      int seconds, BenchS3 s3) throws Exception {
    s3.resetCounts();
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemons("bench-client"));
    AtomicLong cycles = new AtomicLong();
    AtomicLong presign = new AtomicLong();
    AtomicLong put = new AtomicLong();
    AtomicLong complete = new AtomicLong();
    long started = System.nanoTime();
    long deadline = started + Duration.ofSeconds(seconds).toNanos();
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      done.add(pool.submit(() -> {
        while (System.nanoTime() < deadline) {
          long t0 = System.nanoTime();
          JsonObject signed = JsonParser.parseString(send(http, HttpRequest.newBuilder(
              URI.create(url + "api/uploads")).header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"filename\":\"notes "
                  + cycles.get() + ".txt\",\"contentType\":\"text/plain\",\"size\":"
                  + FILE_SIZE + "}")), 201)).getAsJsonObject();
          long t1 = System.nanoTime();
          HttpRequest.Builder upload = HttpRequest.newBuilder(URI.create(
              signed.get("url").getAsString())).PUT(HttpRequest.BodyPublishers.ofByteArray(BODY));
          signed.getAsJsonObject("headers").entrySet().forEach(h -> {
            if (!RESTRICTED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
              upload.header(h.getKey(), h.getValue().getAsString());
            }
          });
          send(http, upload, 200);
          long t2 = System.nanoTime();
          send(http, HttpRequest.newBuilder(URI.create(url + "api/uploads/"
              + signed.get("id").getAsString() + "/complete"))
              .POST(HttpRequest.BodyPublishers.noBody()), 200);
          long t3 = System.nanoTime();
          presign.addAndGet(t1 - t0);
          put.addAndGet(t2 - t1);
          complete.addAndGet(t3 - t2);
          cycles.incrementAndGet();
        }
        return null;
      }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    double took = (System.nanoTime() - started) / 1e9;
    long n = Math.max(1, cycles.get());
    // The client's PUT is one of them; the rest are the app's (HEAD, GET of the first bytes,
    // GET ?acl, and with the in-memory registry the change record for other instances).
    StringBuilder perCycle = new StringBuilder();
    s3.counts().forEach((op, count) -> {
      if (count > 0) {
        perCycle.append(perCycle.length() == 0 ? "" : ", ").append(op).append(' ')
            .append(String.format(Locale.ROOT, "%.2f", count / (double) n));
      }
    });
    return new Round(registry, cycles.get(), took, presign.get() / 1e6 / n, put.get() / 1e6 / n,
        complete.get() / 1e6 / n, perCycle.toString(), RestartCost.load());
  }

  private static String send(HttpClient http, HttpRequest.Builder request, int expected)
      throws Exception {
    HttpResponse<String> answer = http.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (answer.statusCode() != expected) {
      throw new IllegalStateException("expected " + expected + " from " + answer.request()
          .method() + " " + answer.uri() + " but got " + answer.statusCode() + ": "
          + answer.body());
    }
    return answer.body();
  }

  /** Stops the PostgreSQL app and starts it again, 3 times; returns the running one. */
  private static AppStart restarts(AppStart running, Map<String, String> settings,
      HttpClient http, long rows) throws Exception {
    running.close();
    double[] healthy = new double[3];
    double[] listed = new double[3];
    AppStart app = null;
    for (int i = 0; i < healthy.length; i++) {
      if (app != null) {
        app.close();
      }
      app = AppStart.start(settings, http);
      healthy[i] = app.untilHealthy(LIMIT);
      listed[i] = app.untilListed(LIMIT);
      System.out.printf(Locale.ROOT, "restart over PostgreSQL with %,d rows: health 200 at"
          + " %.2f s (index %s), complete listing at %.2f s; load %s%n", rows, healthy[i],
          app.firstIndex(), listed[i], RestartCost.load());
    }
    System.out.printf(Locale.ROOT, "| restart over PostgreSQL | %,d rows | health %s s |"
        + " complete listing %s s |%n", rows, summary(healthy, "%.2f"),
        summary(listed, "%.2f"));
    return app;
  }

  /** {@code count} completed rows of the anonymous caller after the first {@code from}. */
  private static void bulkInsert(TestPostgres server, String database, long from, long count)
      throws Exception {
    long started = System.nanoTime();
    // Straight to the server: the pool's socket timeout (30 s) would cut these statements.
    try (Connection c = DriverManager.getConnection(server.url(database), server.user(),
        server.password()); Statement s = c.createStatement()) {
      s.execute("INSERT INTO uploads (id, owner, client, object_key, filename, content_type,"
          + " size_bytes, metadata, created_at, expires_at, completed_at)"
          + " SELECT 'bulk' || lpad(g::text, 18, '0'), 'anonymous', 'anonymous',"
          + " 'pg/anonymous/2025/01/01/bulk' || lpad(g::text, 18, '0') || '/f.bin', 'f.bin',"
          + " 'application/octet-stream', 1, '{}',"
          + " timestamptz '2025-01-01' + g * interval '1 millisecond',"
          + " timestamptz '2025-01-01' + g * interval '1 millisecond',"
          + " timestamptz '2025-01-01' + g * interval '1 millisecond'"
          + " FROM generate_series(" + (from + 1) + ", " + (from + count) + ") AS g");
      s.execute("UPDATE totals SET completed = completed + " + count + " WHERE shard = 0");
      s.execute("VACUUM ANALYZE uploads");
    }
    System.out.printf(Locale.ROOT, "bulk: %,d completed rows inserted in SQL in %.0f s; load"
        + " %s%n", count, (System.nanoTime() - started) / 1e9, RestartCost.load());
  }

  private static long count(TestPostgres server, String database) throws Exception {
    try (Connection c = DriverManager.getConnection(server.url(database), server.user(),
        server.password()); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT count(*) FROM uploads")) {
      r.next();
      return r.getLong(1);
    }
  }

  /** The first page of 100 and the page after the middle row, in turns; medians. */
  private static void pages(AppStart app, TestPostgres server, String database, long rows)
      throws Exception {
    String cursor;
    try (Connection c = DriverManager.getConnection(server.url(database), server.user(),
        server.password()); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT completed_at, id FROM uploads"
            + " WHERE owner = 'anonymous' AND completed_at IS NOT NULL"
            + " ORDER BY completed_at DESC, id DESC OFFSET " + rows / 2 + " LIMIT 1")) {
      r.next();
      Instant at = r.getObject(1, OffsetDateTime.class).toInstant();
      // The API's cursor as it issues it (ListingCursor): base64url of "seconds.nanos:id".
      cursor = Base64.getUrlEncoder().withoutPadding().encodeToString((at.getEpochSecond()
          + "." + at.getNano() + ":" + r.getString(2)).getBytes(StandardCharsets.UTF_8));
    }
    String[] paths = {"api/files?limit=100", "api/files?limit=100&cursor=" + cursor};
    double[][] ms = new double[2][PAGES];
    for (int i = -PAGE_WARMUP; i < PAGES; i++) {
      for (int p = 0; p < paths.length; p++) {
        long t = System.nanoTime();
        HttpResponse<String> answer = app.get(paths[p]);
        double took = (System.nanoTime() - t) / 1e6;
        if (answer == null || answer.statusCode() != 200
            || JsonParser.parseString(answer.body()).getAsJsonObject()
                .getAsJsonArray("files").size() != 100) {
          throw new IllegalStateException("expected a page of 100 from " + paths[p]
              + " but got " + (answer == null ? "no answer" : answer.statusCode() + ": "
                  + answer.body().substring(0, Math.min(300, answer.body().length()))));
        }
        if (i >= 0) {
          ms[p][i] = took;
        }
      }
    }
    String[] names = {"first page", "page after row " + rows / 2 + " (cursor)"};
    for (int p = 0; p < paths.length; p++) {
      double[] sorted = ms[p].clone();
      Arrays.sort(sorted);
      System.out.printf(Locale.ROOT, "| page of 100 over %,d rows | %s | median %.2f ms |"
          + " p90 %.2f ms | p99 %.2f ms | max %.2f ms | load %s |%n", rows, names[p],
          sorted[PAGES / 2], sorted[PAGES * 9 / 10], sorted[PAGES * 99 / 100],
          sorted[PAGES - 1], RestartCost.load());
    }
  }

  private static String summary(double[] values, String format) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    double median = (sorted[(sorted.length - 1) / 2] + sorted[sorted.length / 2]) / 2;
    return String.format(Locale.ROOT, format, median) + " (" + String.format(Locale.ROOT, format,
        sorted[0]) + "-" + String.format(Locale.ROOT, format, sorted[sorted.length - 1]) + ")";
  }

  private static byte[] body() {
    byte[] line = "A line of notes, plain text.\n".getBytes(StandardCharsets.US_ASCII);
    byte[] body = new byte[FILE_SIZE];
    for (int i = 0; i < body.length; i++) {
      body[i] = line[i % line.length];
    }
    return body;
  }

  private static java.util.concurrent.ThreadFactory daemons(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }
}
