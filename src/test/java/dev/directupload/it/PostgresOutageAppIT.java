package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.TestPostgres;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The database going away under the running app, and not being there when the app starts: every
 * call that needs it answers 503 {@code DATABASE_UNAVAILABLE} in the API's JSON error shape
 * (never a 500, never a stack trace, never the password or the URL), {@code api/health} is DOWN
 * and says why, and once the database answers again everything works without restarting the
 * app. A PostgreSQL server of its own, stopped and started here.
 */
class PostgresOutageAppIT {
  private static final String BUCKET = "outage";
  private static TestPostgres server;
  private static String database;
  private static LocalS3 store;
  private static boolean serverDown;

  @BeforeAll
  static void startServers() throws Exception {
    server = TestPostgres.startDedicated();
    database = server.createDatabase("outage_app");
    store = LocalS3.inMemory(true).withBucket(BUCKET);
  }

  @AfterAll
  static void stopServers() {
    if (store != null) {
      store.close();
    }
    if (server != null && !serverDown) {
      server.crash();
    }
  }

  /** Whatever a test did, the next one starts with the database up. */
  @AfterEach
  void databaseBackUp() {
    if (serverDown) {
      startDatabase();
    }
  }

  private static void stopDatabase() {
    server.stop();
    serverDown = true;
  }

  private static void startDatabase() {
    server.start();
    serverDown = false;
  }

  private static AppUnderTest app() throws Exception {
    return AppUnderTest.start(store, BUCKET,
        "database-url", server.url(database),
        "database-user", server.user(),
        "database-password", server.password());
  }

  @Test
  void theApiAnswers503WhileTheDatabaseIsDownAndWorksAgainOnceItIsBack() throws Exception {
    try (AppUnderTest app = app()) {
      app.awaitCompleteList();
      byte[] content = bytes("put before the outage");
      JsonObject presign = app.presign("outage.txt", "text/plain", content.length);
      String id = presign.get("id").getAsString();
      assertEquals(200, app.putAsBrowser(presign, content).statusCode());

      stopDatabase();
      // All at once: each waits up to the pool's connection timeout before its answer.
      Map<String, CompletableFuture<HttpResponse<String>>> calls = new LinkedHashMap<>();
      calls.put("presign", send(app, "POST", "api/uploads",
          "{\"filename\":\"during.txt\",\"contentType\":\"text/plain\",\"size\":4}"));
      calls.put("complete", send(app, "POST", "api/uploads/" + id + "/complete", "{}"));
      calls.put("list", send(app, "GET", "api/files", null));
      calls.put("pending", send(app, "GET", "api/uploads?status=pending", null));
      calls.put("delete", send(app, "DELETE", "api/uploads/" + id, null));
      CompletableFuture<HttpResponse<String>> health = send(app, "GET", "api/health", null);
      for (Map.Entry<String, CompletableFuture<HttpResponse<String>>> call : calls.entrySet()) {
        assertDatabaseUnavailable(call.getKey(), call.getValue().get(60, TimeUnit.SECONDS));
      }
      HttpResponse<String> down = health.get(60, TimeUnit.SECONDS);
      assertEquals(503, down.statusCode(), down.body());
      assertEquals("DOWN", json(down).get("status").getAsString(), down.body());
      // A pooled connection the shutdown closed may tell first (SQLState 57P01), a new one
      // that nothing answers next: either way the reason is the database.
      String problem = json(down).get("problem").getAsString();
      assertTrue(problem.contains("cannot reach the database")
          || problem.contains("the database is shutting down"), down.body());
      assertSafe("health", down.body());

      startDatabase();
      HttpResponse<String> presigned = awaitAnswer(app, "api/uploads",
          "{\"filename\":\"after.txt\",\"contentType\":\"text/plain\",\"size\":5}",
          r -> r.statusCode() == 201);
      assertEquals(201, presigned.statusCode(), presigned.body());
      HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
      assertEquals(200, complete.statusCode(), complete.body());
      assertTrue(app.listedIds().contains(id));
      HttpResponse<String> up = app.awaitHealth(200);
      assertEquals("UP", json(up).get("status").getAsString(), up.body());
    }
  }

  @Test
  void aDatabaseUnreachableAtStartIsReportedAndUsedOnceItAnswers() throws Exception {
    stopDatabase();
    try (AppUnderTest app = app()) { // the deployment starts all the same
      HttpResponse<String> health = awaitHealthProblem(app,
          p -> p.contains("cannot reach the database"));
      assertEquals(503, health.statusCode(), health.body());
      assertEquals("DOWN", json(health).get("status").getAsString());
      String problem = json(health).get("problem").getAsString();
      assertTrue(problem.contains("database-url"), "names the setting to check: " + problem);
      assertSafe("health", health.body());
      assertDatabaseUnavailable("presign", app.post("api/uploads",
          "{\"filename\":\"early.txt\",\"contentType\":\"text/plain\",\"size\":5}"));

      startDatabase();
      HttpResponse<String> up = app.awaitHealth(200);
      assertEquals(200, up.statusCode(), "ready without a restart: " + up.body());
      byte[] content = bytes("late");
      JsonObject presign = app.presign("late.txt", "text/plain", content.length);
      String id = presign.get("id").getAsString();
      assertEquals(200, app.putAsBrowser(presign, content).statusCode());
      HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
      assertEquals(200, complete.statusCode(), complete.body());
      assertTrue(app.listedIds().contains(id));
    }
  }

  /** 503 with the JSON error {@code DATABASE_UNAVAILABLE} and nothing an attacker could use. */
  private static void assertDatabaseUnavailable(String call, HttpResponse<String> response) {
    assertEquals(503, response.statusCode(), call + ": " + response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("")
        .startsWith("application/json"), call + ": " + response.headers());
    assertEquals("DATABASE_UNAVAILABLE",
        json(response).getAsJsonObject("error").get("code").getAsString(), call);
    assertSafe(call, response.body());
  }

  /** No stack trace, no password, no URL, no port of the database. */
  private static void assertSafe(String what, String body) {
    for (String secret : new String[] {"Exception", "\tat ", server.password(), "jdbc:",
        Integer.toString(server.port())}) {
      assertFalse(body.contains(secret), what + " shows '" + secret + "': " + body);
    }
  }

  private static CompletableFuture<HttpResponse<String>> send(ApiClient app, String method,
      String path, String json) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.base + path));
    if (json != null) {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(json));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return app.http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** POSTs {@code json} to {@code path} until the answer is {@code wanted}, for a minute. */
  private static HttpResponse<String> awaitAnswer(ApiClient app, String path, String json,
      Predicate<HttpResponse<String>> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      HttpResponse<String> answer = app.post(path, json);
      if (wanted.test(answer) || System.nanoTime() > deadline) {
        return answer;
      }
      assertDatabaseUnavailable(path + " while the database comes back", answer);
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // poll interval
    }
  }

  /** {@code api/health} once its problem matches {@code expected}, for a minute. */
  private static HttpResponse<String> awaitHealthProblem(ApiClient app,
      Predicate<String> expected) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      HttpResponse<String> health = app.get("api/health");
      String problem = json(health).has("problem") && !json(health).get("problem").isJsonNull()
          ? json(health).get("problem").getAsString() : "";
      if (expected.test(problem)) {
        return health;
      }
      assertTrue(System.nanoTime() < deadline, "health never said it: " + health.body());
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // poll interval
    }
  }
}
