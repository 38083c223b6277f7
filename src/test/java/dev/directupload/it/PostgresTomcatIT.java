package dev.directupload.it;

import static dev.directupload.it.ApiClient.bytes;
import static dev.directupload.it.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.directupload.local.LocalS3;
import dev.directupload.testing.TestPostgres;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built WAR in Tomcat 11 (a JVM of its own) over PostgreSQL. With the container's
 * {@code DataSource} ({@code src/test/containers/tomcat-context.xml}, the README's example, named
 * by {@code database-jndi}) it deploys while its database does not exist yet, says so in
 * {@code api/health}, serves the whole round trip once the database is there, and a second Tomcat
 * lists the file from the database alone, with the store down. With its own pool
 * ({@code database-url}), a kill -9 of Tomcat in the middle of completes loses no completion that
 * was answered, and leaves no upload half-way: after a restart each one is listed or pending.
 */
class PostgresTomcatIT {
  /** A bucket each: a new database imports what its bucket already holds. */
  private static final String JNDI_BUCKET = "tomcat-jndi";
  private static final String KILL_BUCKET = "tomcat-kill";
  private static final String TOMCAT = "tomcat-11";
  private static LocalS3 store;
  private static TestPostgres postgres;

  @BeforeAll
  static void startServers() throws Exception {
    store = LocalS3.inMemory(true).withBucket(JNDI_BUCKET).withBucket(KILL_BUCKET);
    postgres = TestPostgres.shared();
  }

  @AfterAll
  static void stopStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void theContainersDataSourceServesTheAppAndASecondTomcatListsFromTheDatabaseAlone()
      throws Exception {
    String database = "jndi_" + System.nanoTime(); // created once Tomcat runs
    Path contextXml = contextXml(database);
    String kept;
    try (ContainerProcess tomcat = ContainerProcess.tomcatWithContextXml(TOMCAT, contextXml,
        List.of(), settings(JNDI_BUCKET, "database-jndi=java:comp/env/jdbc/uploads"))) {
      ApiClient app = new ApiClient(tomcat.url("/direct-upload"));
      HttpResponse<String> missing = awaitHealth(app, h -> h.contains("does not exist"));
      assertEquals(503, missing.statusCode(), missing.body());
      assertTrue(missing.body().contains("database-jndi"), "names the setting: "
          + missing.body());
      assertFalse(missing.body().contains(postgres.password()), missing.body());

      postgres.admin("CREATE DATABASE " + database);
      HttpResponse<String> up = app.awaitHealth(200);
      assertEquals(200, up.statusCode(), "ready without a restart: " + up.body());
      ContainerRoundTrip.run(app, "Tomcat 11 with a JNDI DataSource");
      kept = uploaded(app, "kept.txt");
      assertTrue(app.listedIds().contains(kept));
    }

    // The store is down: a list the second Tomcat shows can only come from the database.
    store.pause();
    try (ContainerProcess second = ContainerProcess.tomcatWithContextXml(TOMCAT, contextXml,
        List.of(), settings(JNDI_BUCKET, "database-jndi=jdbc/uploads"))) {
      ApiClient app = new ApiClient(second.url("/direct-upload"));
      assertEquals(List.of(kept), app.listedIds());
    } finally {
      store.resume();
    }
  }

  @Test
  void aKillDashNineDuringCompletesLosesNoAnsweredCompletion() throws Exception {
    String database = postgres.createDatabase("tomcat_kill");
    List<String> settings = settings(KILL_BUCKET, "database-url=" + postgres.url(database),
        "database-user=" + postgres.user(), "database-password=" + postgres.password(),
        "rate-limit=0", "max-pending-per-user=1000");
    int uploads = 120;
    List<String> prepared = new ArrayList<>();
    Set<String> answered = ConcurrentHashMap.newKeySet();
    int killedAfter;
    try (ContainerProcess tomcat = ContainerProcess.tomcat(TOMCAT, List.of(), settings)) {
      ApiClient app = new ApiClient(tomcat.url("/direct-upload"));
      app.awaitHealth(200);
      app.awaitCompleteList(); // the empty bucket's import is done before any object is there
      for (int i = 0; i < uploads; i++) {
        byte[] content = bytes("upload " + i);
        JsonObject presign = app.presign("u" + i + ".txt", "text/plain", content.length);
        assertEquals(200, app.putAsBrowser(presign, content).statusCode());
        prepared.add(presign.get("id").getAsString());
      }

      Thread completes = new Thread(() -> {
        for (String id : prepared) {
          try {
            if (app.post("api/uploads/" + id + "/complete", "{}").statusCode() != 200) {
              return;
            }
            answered.add(id);
          } catch (IOException e) {
            return; // Tomcat is gone
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }, "completes");
      completes.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (answered.size() < uploads / 4) {
        assertTrue(System.nanoTime() < deadline, "completes did not get going");
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2)); // poll interval
      }
      tomcat.kill();
      completes.join(TimeUnit.SECONDS.toMillis(60));
      assertFalse(completes.isAlive());
      killedAfter = answered.size();
    }
    assertTrue(killedAfter < uploads, "killed in the middle: " + killedAfter + " of " + uploads);

    try (ContainerProcess restarted = ContainerProcess.tomcat(TOMCAT, List.of(), settings)) {
      ApiClient app = new ApiClient(restarted.url("/direct-upload"));
      List<String> listed = app.listedIds();
      for (String id : answered) {
        assertTrue(listed.contains(id), "an answered completion was lost: " + id);
      }
      List<String> pending = app.pendingIds();
      Set<String> all = new HashSet<>(listed);
      all.addAll(pending);
      assertEquals(listed.size() + pending.size(), all.size(), "listed and pending at once");
      assertEquals(new HashSet<>(prepared), all, "every upload is listed or pending");
      JsonObject health = json(app.get("api/health"));
      assertEquals(listed.size(), health.get("files").getAsInt(), health.toString());
      assertEquals(pending.size(), health.get("pending").getAsInt(), health.toString());
    }
  }

  /** The README's context.xml with this test's server, database and login. */
  private static Path contextXml(String database) throws IOException {
    String xml = Files.readString(Path.of("src", "test", "containers", "tomcat-context.xml"),
        StandardCharsets.UTF_8)
        .replace("db.example.com:5432/uploads?", "127.0.0.1:" + postgres.port() + "/" + database
            + "?")
        .replace("username=\"uploads\"", "username=\"" + postgres.user() + "\"")
        .replace("password=\"change-me\"", "password=\"" + postgres.password() + "\"");
    assertTrue(xml.contains(database) && xml.contains(postgres.password()), xml);
    Path file = Files.createTempFile(Path.of("target"), "context-", ".xml");
    Files.writeString(file, xml, StandardCharsets.UTF_8);
    return file;
  }

  /** The store's settings and {@code more}, as context parameters. */
  private static List<String> settings(String bucket, String... more) {
    List<String> settings = new ArrayList<>(List.of(
        "direct-upload.bucket=" + bucket,
        "direct-upload.endpoint=" + store.endpoint(),
        "direct-upload.region=" + LocalS3.REGION,
        "direct-upload.path-style=true"));
    for (String setting : more) {
      settings.add("direct-upload." + setting);
    }
    return settings;
  }

  private static String uploaded(ApiClient app, String name) throws Exception {
    byte[] content = bytes("content of " + name);
    JsonObject presign = app.presign(name, "text/plain", content.length);
    assertEquals(200, app.putAsBrowser(presign, content).statusCode());
    String id = presign.get("id").getAsString();
    HttpResponse<String> complete = app.post("api/uploads/" + id + "/complete", "{}");
    assertEquals(200, complete.statusCode(), complete.body());
    return id;
  }

  /** {@code api/health} once its body matches, for a minute. */
  private static HttpResponse<String> awaitHealth(ApiClient app,
      java.util.function.Predicate<String> wanted) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      HttpResponse<String> health = app.get("api/health");
      if (wanted.test(health.body())) {
        return health;
      }
      assertTrue(System.nanoTime() < deadline, "health never said it: " + health.body());
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100)); // poll interval
    }
  }
}
