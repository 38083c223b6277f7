package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Owner quotas at their edges, through the running application: exactly the limit is admitted,
 * one file or one byte more is refused with 413 {@code QUOTA_EXCEEDED} saying what is used and
 * allowed; pending uploads count as well as completed ones; presigns racing for the last slots
 * get exactly those slots; {@code api/config} shows the owner where they stand. A subclass
 * starts the application over its registry with {@link #QUOTA_SETTINGS}.
 */
abstract class QuotaContract {
  static final String BUCKET = "quotas";
  static final String[] QUOTA_SETTINGS = {"owner-quota-files", "5", "owner-quota-bytes", "1000",
      "index-refresh", "PT0S"};
  static LocalS3 s3;
  static AppUnderTest app;

  @AfterAll
  static void stop() {
    try {
      if (app != null) {
        app.close();
      }
    } finally {
      if (s3 != null) {
        s3.close();
      }
      app = null;
      s3 = null;
    }
  }

  /** Every test starts with nothing used. */
  @AfterEach
  void deleteEverything() throws Exception {
    List<String> ids = new ArrayList<>(app.pendingIds());
    ids.addAll(app.listedIds());
    for (String id : ids) {
      assertEquals(204, app.delete("api/uploads/" + id).statusCode());
    }
    assertEquals(quota(0, 0), config());
  }

  private static HttpResponse<String> presign(String name, long size) throws Exception {
    return app.post("api/uploads", "{\"filename\":\"" + name
        + "\",\"contentType\":\"text/plain\",\"size\":" + size + "}");
  }

  private static String admit(String name, long size) throws Exception {
    HttpResponse<String> answer = presign(name, size);
    assertEquals(201, answer.statusCode(), answer.body());
    return ApiClient.json(answer).get("id").getAsString();
  }

  private static void assertRefused(HttpResponse<String> answer, String words) {
    assertEquals(413, answer.statusCode(), answer.body());
    JsonObject error = ApiClient.json(answer).getAsJsonObject("error");
    assertEquals("QUOTA_EXCEEDED", error.get("code").getAsString());
    assertTrue(error.get("message").getAsString().contains(words),
        "expected the message to say '" + words + "': " + error);
  }

  private static JsonObject config() throws Exception {
    return ApiClient.json(app.get("api/config")).getAsJsonObject("quota");
  }

  private static JsonObject quota(long usedBytes, long usedFiles) {
    return JsonParser.parseString("{\"usedBytes\": " + usedBytes + ", \"maxBytes\": 1000,"
        + " \"usedFiles\": " + usedFiles + ", \"maxFiles\": 5}").getAsJsonObject();
  }

  @Test
  void theFileQuotaAdmitsExactlyItsLimitCountingPendingUploads() throws Exception {
    Hooks.upload(app, "done-1.txt", ApiClient.bytes("1"), false);
    Hooks.upload(app, "done-2.txt", ApiClient.bytes("2"), false);
    String pending = admit("pending-1.txt", 1);
    admit("pending-2.txt", 1);
    admit("pending-3.txt", 1);
    assertEquals(quota(5, 5), config());

    assertRefused(presign("one-more.txt", 1), "quota of 5 files: 5 used");
    assertEquals(quota(5, 5), config(), "a refusal takes nothing");

    assertEquals(204, app.delete("api/uploads/" + pending).statusCode());
    assertEquals(quota(4, 4), config());
    admit("in-its-place.txt", 1);
  }

  @Test
  void theByteQuotaAdmitsExactlyItsLimitAndNotOneByteMore() throws Exception {
    Hooks.upload(app, "big.txt", ApiClient.bytes("x".repeat(600)), false);
    admit("rest.txt", 400);
    assertEquals(quota(1000, 2), config());
    assertRefused(presign("one-byte.txt", 1), "1000 B used of 1000 B");
    assertEquals(quota(1000, 2), config());
  }

  @Test
  void presignsRacingForTheLastFileSlotsGetExactlyThoseSlots() throws Exception {
    admit("first.txt", 1);
    admit("second.txt", 1);
    Map<Integer, Long> statuses = race(20, 1);
    assertEquals(Map.of(201, 3L, 413, 17L), statuses);
    assertEquals(5, app.pendingIds().size());
    assertEquals(quota(5, 5), config());
  }

  @Test
  void presignsRacingForTheLastBytesGetExactlyThoseBytes() throws Exception {
    admit("large.txt", 970);
    Map<Integer, Long> statuses = race(20, 10);
    assertEquals(Map.of(201, 3L, 413, 17L), statuses);
    assertEquals(quota(1000, 4), config());
  }

  /** {@code threads} presigns of {@code size} bytes sent at once; how many got each status. */
  private static Map<Integer, Long> race(int threads, long size) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch ready = new CountDownLatch(threads);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        String name = "racer-" + i + ".txt";
        answers.add(pool.submit(() -> {
          ready.countDown();
          go.await();
          return presign(name, size).statusCode();
        }));
      }
      assertTrue(ready.await(30, TimeUnit.SECONDS), "threads ready");
      go.countDown();
      List<Integer> statuses = new ArrayList<>();
      for (Future<Integer> answer : answers) {
        statuses.add(answer.get(60, TimeUnit.SECONDS));
      }
      return statuses.stream().collect(Collectors.groupingBy(s -> s, Collectors.counting()));
    } finally {
      pool.shutdownNow();
    }
  }
}
