package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Concurrency and crashes never make the list lie: after racing completes and deletes, a flood
 * of uploads from many threads, or a hard kill of the server mid-traffic, the files listed are
 * exactly the objects in the bucket.
 */
class RacesAndRestartsIT {

  /** Every id listed, following the cursor to the end. */
  private static Set<String> listedIds(ApiClient app) throws Exception {
    app.awaitCompleteList();
    Set<String> ids = new HashSet<>();
    String cursor = null;
    do {
      HttpResponse<String> page = app.get("api/files?limit=1000"
          + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
      assertEquals(200, page.statusCode(), page.body());
      JsonObject json = json(page);
      for (JsonElement f : json.getAsJsonArray("files")) {
        ids.add(f.getAsJsonObject().get("id").getAsString());
      }
      cursor = json.get("nextCursor").isJsonNull() ? null : json.get("nextCursor").getAsString();
    } while (cursor != null);
    return ids;
  }

  /** The upload id of every object in the bucket (the segment before the file name). */
  private static Set<String> storedIds(S3Client s3, String bucket) {
    Set<String> ids = new HashSet<>();
    for (var page : s3.listObjectsV2Paginator(r -> r.bucket(bucket))) {
      for (S3Object o : page.contents()) {
        if (o.key().startsWith("uploads/.")) {
          continue; // the app's own records (changes, unfinished multipart uploads), not files
        }
        String[] parts = o.key().split("/");
        ids.add(parts[parts.length - 2]);
      }
    }
    return ids;
  }

  /** Presign, PUT and complete one file; the id once the complete answered 200, else null. */
  private static String uploadOnce(ApiClient app, String name) throws Exception {
    byte[] content = bytes("content of " + name);
    JsonObject presign = app.presign(name, "text/plain", content.length);
    if (app.putAsBrowser(presign, content).statusCode() != 200) {
      return null;
    }
    String id = presign.get("id").getAsString();
    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    return complete.statusCode() == 200 ? id : null;
  }

  @Test
  void completeRacingDeleteEndsEitherDeletedOrCompleteNeverListedButGone() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("races");
        AppUnderTest app = AppUnderTest.start(store, "races");
        S3Client s3 = store.client()) {
      ExecutorService pool = Executors.newFixedThreadPool(8);
      try {
        List<Future<Integer>> statuses = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
          byte[] content = bytes("race " + i);
          JsonObject presign = app.presign("race-" + i + ".txt", "text/plain", content.length);
          assertEquals(200, app.putAsBrowser(presign, content).statusCode());
          String id = presign.get("id").getAsString();
          CountDownLatch go = new CountDownLatch(1);
          statuses.add(pool.submit(() -> {
            go.await();
            return app.post("api/uploads/" + id + "/complete", "{}").statusCode();
          }));
          statuses.add(pool.submit(() -> {
            go.await();
            return app.delete("api/uploads/" + id).statusCode();
          }));
          go.countDown();
        }
        for (Future<Integer> status : statuses) {
          int code = status.get(30, TimeUnit.SECONDS);
          // 409: the delete removed the object just before the complete looked for it.
          assertTrue(code == 200 || code == 204 || code == 404 || code == 409,
              "answered " + code);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(storedIds(s3, "races"), listedIds(app));
    }
  }

  @Test
  void aThousandUploadsFromSixteenThreadsListExactlyWhatIsStored() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("flood");
        AppUnderTest app = AppUnderTest.start(store, "flood", "rate-limit", "0");
        S3Client s3 = store.client()) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      Set<String> completed = ConcurrentHashMap.newKeySet();
      try {
        List<Future<String>> uploads = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          String name = "flood-" + i + ".txt";
          uploads.add(pool.submit(() -> uploadOnce(app, name)));
        }
        for (Future<String> upload : uploads) {
          String id = upload.get(120, TimeUnit.SECONDS);
          assertTrue(id != null, "every upload completes");
          completed.add(id);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(1000, completed.size());
      assertEquals(completed, listedIds(app));
      assertEquals(completed, storedIds(s3, "flood"));
      assertEquals(0, json(app.get("api/uploads?status=pending")).getAsJsonArray("uploads")
          .size());
    }
  }

  @Test
  void aHardKillMidTrafficLosesNoCompletedFile() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("tomcat");
        S3Client s3 = store.client()) {
      List<String> settings = List.of(
          "-Ddirect-upload.bucket=tomcat",
          "-Ddirect-upload.endpoint=" + store.endpoint(),
          "-Ddirect-upload.region=" + LocalS3.REGION,
          "-Ddirect-upload.path-style=true");
      Set<String> completed = ConcurrentHashMap.newKeySet();
      CountDownLatch enoughTraffic = new CountDownLatch(40);
      AtomicBoolean running = new AtomicBoolean(true);
      ExecutorService traffic = Executors.newFixedThreadPool(4);
      try (ContainerProcess first = ContainerProcess.tomcat("tomcat-11", settings, List.of())) {
        ApiClient app = new ApiClient(first.url("/direct-upload"));
        for (int t = 0; t < 4; t++) {
          int thread = t;
          traffic.submit(() -> {
            for (int i = 0; running.get(); i++) {
              try {
                String id = uploadOnce(app, "t" + thread + "-" + i + ".txt");
                if (id != null) {
                  completed.add(id);
                  enoughTraffic.countDown();
                }
              } catch (Exception e) {
                return null; // the server is gone
              }
            }
            return null;
          });
        }
        enoughTraffic.await(60, TimeUnit.SECONDS);
        first.kill();
      } finally {
        running.set(false);
        traffic.shutdown();
        assertTrue(traffic.awaitTermination(60, TimeUnit.SECONDS));
      }
      assertTrue(completed.size() >= 40, "traffic ran before the kill: " + completed.size());

      try (ContainerProcess second = ContainerProcess.tomcat("tomcat-11", settings, List.of())) {
        Set<String> listed = listedIds(new ApiClient(second.url("/direct-upload")));
        assertTrue(listed.containsAll(completed), "every completed file survives the kill");
        assertEquals(storedIds(s3, "tomcat"), listed, "and the list is exactly the bucket");
      }
    }
  }
}
