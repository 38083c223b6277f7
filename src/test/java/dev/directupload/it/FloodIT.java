package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A flood of presigns from many threads fills the pending bound exactly and no further: the
 * rest are told to come back later (503 with Retry-After), and no live upload is evicted.
 */
class FloodIT {

  @Test
  void pendingBoundHoldsUnderAFlood() throws Exception {
    try (LocalS3 store = LocalS3.inMemory(false).withBucket("flood-bound");
        AppUnderTest app = AppUnderTest.start(store, "flood-bound", "max-pending", "50",
            "rate-limit", "0")) {
      ExecutorService pool = Executors.newFixedThreadPool(16);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<HttpResponse<String>>> answers = new ArrayList<>();
      try {
        for (int i = 0; i < 320; i++) {
          String body = "{\"filename\":\"f" + i + ".txt\",\"contentType\":\"text/plain\","
              + "\"size\":1}";
          answers.add(pool.submit(() -> {
            go.await();
            return app.post("api/uploads", body);
          }));
        }
        go.countDown();
        int created = 0;
        int refused = 0;
        for (Future<HttpResponse<String>> answer : answers) {
          HttpResponse<String> response = answer.get(60, TimeUnit.SECONDS);
          if (response.statusCode() == 201) {
            created++;
          } else {
            assertEquals(503, response.statusCode(), response.body());
            assertEquals("TOO_MANY_PENDING",
                json(response).getAsJsonObject("error").get("code").getAsString());
            assertTrue(response.headers().firstValue("Retry-After").isPresent());
            refused++;
          }
        }
        assertEquals(50, created);
        assertEquals(270, refused);
      } finally {
        pool.shutdownNow();
      }
      assertEquals(50, json(app.get("api/uploads?status=pending")).getAsJsonArray("uploads")
          .size());
    }
  }
}
