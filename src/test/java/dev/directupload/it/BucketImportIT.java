package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.registry.BucketImports;
import dev.directupload.registry.RegistryUnavailableException;
import dev.directupload.testing.TestPostgres;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A deployment that moves from the in-memory registry to PostgreSQL keeps its files: the bucket
 * an in-memory app filled is imported into the empty database in the background, in batches of
 * a thousand keys, with its progress in {@code api/health} while the app answers, and every file
 * is listed once it is done. An import cut off by a restart resumes after the last batch it
 * committed: the same import goes on (its start time is kept), and the restarted app reads only
 * the objects after it. Over real HTTP against S3Proxy, through a proxy that counts the
 * store's HEAD requests and makes the store go away after the first batch.
 */
class BucketImportIT {
  private static final String BUCKET = "existing";
  /** Keys the import lists, reads and commits at a time. */
  private static final int BATCH = 1000;
  /** One batch, and a second one that the first run never finishes. */
  private static final int FILES = 1050;
  private static final String SOURCE = "s3://" + BUCKET + "/uploads/";
  private static final String HEAD_OF_AN_OBJECT = "HEAD /" + BUCKET + "/uploads/";

  @Test
  void anExistingBucketIsImportedInTheBackgroundAndARestartResumesWhereItStopped()
      throws Exception {
    TestPostgres postgres = TestPostgres.shared();
    String database = postgres.createDatabase("bucket_import");
    PGSimpleDataSource dataSource = new PGSimpleDataSource();
    dataSource.setUrl(postgres.url(database));
    dataSource.setUser(postgres.user());
    dataSource.setPassword(postgres.password());
    BucketImports imports = new BucketImports(dataSource);
    String[] withDatabase = {"database-url", postgres.url(database),
        "database-user", postgres.user(), "database-password", postgres.password(),
        "rate-limit", "0"};

    try (LocalS3 store = LocalS3.inMemory(true).withBucket(BUCKET)) {
      Set<String> uploaded;
      try (AppUnderTest inMemory = AppUnderTest.start(store, BUCKET, "rate-limit", "0",
          "index-refresh", "PT0S", "checkpoint-interval", "PT0S")) {
        uploaded = uploadMany(inMemory, FILES);
      }
      // The app's own records (under uploads/.direct-upload/) are listed too, but not read:
      // how many files the first batch of a thousand keys holds.
      List<String> keys = keys(store);
      int inFirstBatch = (int) keys.subList(0, BATCH).stream().filter(BucketImportIT::isFile)
          .count();
      int afterFirstBatch = (int) keys.subList(BATCH, keys.size()).stream()
          .filter(BucketImportIT::isFile).count();
      assertEquals(FILES, inFirstBatch + afterFirstBatch, "the bucket: " + keys.size() + " keys");
      assertTrue(afterFirstBatch > 0, "a second batch");

      // The first start with the database: the store goes away after the first batch.
      BucketImports.Progress interrupted;
      try (FaultProxy proxy = new FaultProxy(store.endpoint())) {
        proxy.countRequests(HEAD_OF_AN_OBJECT, inFirstBatch);
        try (AppUnderTest first = AppUnderTest.start(proxy.endpoint(), BUCKET, withDatabase)) {
          interrupted = awaitProgress(imports, p -> p.afterKey().isPresent());
          awaitTrue("the store is gone after the first batch", () -> proxy.counted()
              > inFirstBatch);
          assertFalse(interrupted.isFinished());
          assertEquals(keys.get(BATCH - 1), interrupted.afterKey().orElseThrow());
          assertEquals(inFirstBatch, interrupted.imported());

          JsonObject index = json(first.get("api/health")).getAsJsonObject("index");
          assertEquals("loading", index.get("state").getAsString(), index.toString());
          assertEquals(inFirstBatch, index.get("files").getAsInt(), "the progress: " + index);
          HttpResponse<String> files = first.get("api/files?limit=1");
          assertEquals(200, files.statusCode(), files.body());
          assertFalse(json(files).get("complete").getAsBoolean(), "the list says it is partial");
        }
      }

      // A restart with the store back: the import goes on after the first batch.
      try (FaultProxy proxy = new FaultProxy(store.endpoint())) {
        proxy.countRequests(HEAD_OF_AN_OBJECT, Integer.MAX_VALUE);
        try (AppUnderTest restarted = AppUnderTest.start(proxy.endpoint(), BUCKET,
            withDatabase)) {
          awaitTrue("the import finished", () -> {
            JsonObject health = json(restarted.get("api/health"));
            JsonObject index = health.getAsJsonObject("index");
            String problem = index.has("problem") && !index.get("problem").isJsonNull()
                ? index.get("problem").getAsString() : "";
            assertFalse(problem.contains("another instance"),
                "the restarted app waits for the instance it replaced: " + health);
            return "ready".equals(index.get("state").getAsString());
          });
          assertEquals(uploaded, allListed(restarted), "every file of the bucket is listed");

          BucketImports.Progress finished = imports.progress(SOURCE).orElseThrow();
          assertTrue(finished.isFinished());
          assertEquals(interrupted.startedAt(), finished.startedAt(), "the same import resumed");
          assertEquals(FILES, finished.imported());
          assertEquals(afterFirstBatch, proxy.counted(),
              "the restarted app read only the objects after the first batch");
        }
      }
    }
  }

  /** Every key in the bucket, in the order S3 lists them. */
  private static List<String> keys(LocalS3 store) {
    List<String> keys = new ArrayList<>();
    try (S3Client s3 = store.client()) {
      s3.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix("uploads/")).contents()
          .forEach(o -> keys.add(o.key()));
    }
    return keys;
  }

  /** Not one of the app's own records. */
  private static boolean isFile(String key) {
    return key.startsWith("uploads/") && !key.startsWith("uploads/.");
  }

  /** Uploads {@code count} small files through {@code app}, four at a time; their ids. */
  private static Set<String> uploadMany(ApiClient app, int count) throws Exception {
    Set<String> ids = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> uploads = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        int n = i;
        uploads.add(pool.submit(() -> {
          byte[] content = bytes("file " + n);
          JsonObject presign = app.presign("f" + n + ".txt", "text/plain", content.length);
          assertEquals(200, app.putAsBrowser(presign, content).statusCode());
          String id = presign.get("id").getAsString();
          HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
          assertEquals(200, complete.statusCode(), complete.body());
          ids.add(id);
          return null;
        }));
      }
      for (Future<?> upload : uploads) {
        upload.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(count, ids.size());
    return ids;
  }

  /** Every id {@code api/files} lists, page by page; the list must say it is complete. */
  private static Set<String> allListed(ApiClient app) throws Exception {
    Set<String> ids = new HashSet<>();
    String cursor = null;
    do {
      HttpResponse<String> page = app.get("api/files?limit=1000" + (cursor == null ? ""
          : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
      assertEquals(200, page.statusCode(), page.body());
      JsonObject body = json(page);
      assertTrue(body.get("complete").getAsBoolean(), page.body());
      for (JsonElement file : body.getAsJsonArray("files")) {
        assertTrue(ids.add(file.getAsJsonObject().get("id").getAsString()), "listed twice");
      }
      cursor = body.has("nextCursor") && !body.get("nextCursor").isJsonNull()
          ? body.get("nextCursor").getAsString() : null;
    } while (cursor != null);
    return ids;
  }

  private static BucketImports.Progress awaitProgress(BucketImports imports,
      java.util.function.Predicate<BucketImports.Progress> wanted) throws Exception {
    BucketImports.Progress[] found = new BucketImports.Progress[1];
    awaitTrue("the import's progress", () -> {
      try {
        found[0] = imports.progress(SOURCE).filter(wanted).orElse(null);
      } catch (RegistryUnavailableException e) {
        return false; // the app has not created the tables yet
      }
      return found[0] != null;
    });
    return found[0];
  }

  /** Polls {@code condition} for up to two minutes; fails naming {@code what}. */
  private static void awaitTrue(String what, java.util.concurrent.Callable<Boolean> condition)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!condition.call()) {
      assertTrue(System.nanoTime() < deadline, "not within two minutes: " + what);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // poll interval
    }
  }
}
