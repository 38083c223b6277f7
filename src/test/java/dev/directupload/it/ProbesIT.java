package dev.directupload.it;

import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import java.net.http.HttpResponse;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The probes a load balancer or Kubernetes calls every second: {@code api/health/live} answers
 * 200 whatever the store does; {@code api/health/ready} answers 503 with the reason while the
 * store is down and 200 again once it is back; and a burst of probes costs no call to the store
 * beyond the service's own look, kept for a few seconds.
 */
class ProbesIT {
  private static final String BUCKET = "probes";
  private static LocalS3 store;
  private static FaultProxy proxy;
  private static AppUnderTest app;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    proxy = new FaultProxy(store.endpoint());
    app = AppUnderTest.start(proxy.endpoint(), BUCKET, "storage-timeout", "PT2S");
  }

  @AfterAll
  static void stop() throws Exception {
    app.close();
    proxy.close();
    store.close();
  }

  /** The probe's answer once its status is {@code status}, or the last one after 30 s. */
  private static HttpResponse<String> await(String probe, int status) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      HttpResponse<String> answer = app.get(probe);
      if (answer.statusCode() == status || System.nanoTime() > deadline) {
        return answer;
      }
      assertEquals(200, app.get("api/health/live").statusCode(), "live meanwhile");
      LockSupport.parkNanos(200_000_000L);
    }
  }

  @Test
  void liveAnswersWhileTheStoreIsDownAndReadySaysWhy() throws Exception {
    assertEquals(200, await("api/health/ready", 200).statusCode(), "ready once loaded");
    HttpResponse<String> live = app.get("api/health/live");
    assertEquals(200, live.statusCode());
    assertEquals("UP", json(live).get("status").getAsString());

    proxy.mode(FaultProxy.Mode.RESET);
    try {
      HttpResponse<String> down = await("api/health/ready", 503);
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("DOWN", json(down).get("status").getAsString());
      assertEquals("store", json(down).get("reason").getAsString());
      assertTrue(down.headers().firstValue("Content-Type").orElse("")
          .startsWith("application/json"));
      assertEquals(200, app.get("api/health/live").statusCode(), "live while the store is down");
    } finally {
      proxy.mode(FaultProxy.Mode.PASS);
    }
    assertEquals(200, await("api/health/ready", 200).statusCode(), "ready again");
  }

  @Test
  void aBurstOfProbesCostsNoCallToTheStore() throws Exception {
    assertEquals(200, await("api/health/ready", 200).statusCode());
    Scrape before = Scrape.parse(app.get("api/metrics").body());
    long start = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      assertEquals(200, app.get("api/health/ready").statusCode());
      assertEquals(200, app.get("api/health/live").statusCode());
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Scrape after = Scrape.parse(app.get("api/metrics").body());
    String calls = "direct_upload_store_request_duration_seconds";
    long looks = after.histogramCount(calls, "operation", "check_bucket")
        - before.histogramCount(calls, "operation", "check_bucket");
    // The service looks at the bucket at most once per 5 s, whatever the number of probes.
    assertTrue(looks <= seconds / 5 + 1, looks + " looks at the bucket in " + seconds + " s");
    long preflights = after.histogramCount(calls, "operation", "cors_preflight")
        - before.histogramCount(calls, "operation", "cors_preflight");
    assertTrue(preflights <= seconds / 60 + 1, preflights + " CORS preflights");
    assertEquals(50, after.value("direct_upload_requests_total", "operation", "ready",
        "outcome", "ok") - before.value("direct_upload_requests_total", "operation", "ready",
        "outcome", "ok"));
  }
}
