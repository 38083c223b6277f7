package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built WAR file, deployed into Tomcat 11 and Tomcat 10.1 at {@code /direct-upload}, runs
 * the whole round trip against S3Proxy. Each Tomcat runs in its own JVM with only its own jars
 * (the two versions' Servlet APIs cannot share a class path). Tomcat 11 is configured through
 * system properties, Tomcat 10.1 through context parameters.
 */
class TomcatIT {
  private static final String BUCKET = "tomcat";
  private static final Path WAR = Path.of("target", "direct-upload.war");
  private static LocalS3 store;

  @BeforeAll
  static void startStore() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
  }

  @AfterAll
  static void stopStore() {
    store.close();
  }

  @Test
  void tomcat11ConfiguredThroughSystemProperties() throws Exception {
    try (ContainerProcess tomcat = ContainerProcess.tomcat("tomcat-11", settings("-D"),
        List.of())) {
      Scrape metrics = ContainerRoundTrip.run(new ApiClient(tomcat.url("/direct-upload")),
          "Tomcat 11");
      // Tomcat registers its connectors' pools in JMX, embedded or not: the WAR reads them.
      assertTrue(metrics.value("direct_upload_container_threads_max", "container", "tomcat")
          > 0, metrics.text);
    }
  }

  @Test
  void tomcat101ConfiguredThroughContextParameters() throws Exception {
    try (ContainerProcess tomcat = ContainerProcess.tomcat("tomcat-10.1", List.of(),
        settings(""))) {
      Scrape metrics = ContainerRoundTrip.run(new ApiClient(tomcat.url("/direct-upload")),
          "Tomcat 10.1");
      // Tomcat registers its connectors' pools in JMX, embedded or not: the WAR reads them.
      assertTrue(metrics.value("direct_upload_container_threads_max", "container", "tomcat")
          > 0, metrics.text);
    }
  }

  /**
   * The README's recipe, in the JULI log manager a standalone Tomcat runs: the audit trail goes
   * to a file of its own, one JSON line per event and nothing else.
   */
  @Test
  void theAuditTrailGoesToItsOwnFileWithTheReadmeRecipe(@TempDir Path logs) throws Exception {
    Path config = logs.resolve("logging.properties");
    Files.writeString(config, String.join("\n",
        "handlers = 5audit.org.apache.juli.AsyncFileHandler, java.util.logging.ConsoleHandler",
        ".handlers = java.util.logging.ConsoleHandler",
        "5audit.org.apache.juli.AsyncFileHandler.level = INFO",
        "5audit.org.apache.juli.AsyncFileHandler.directory = " + logs,
        "5audit.org.apache.juli.AsyncFileHandler.prefix = direct-upload-audit.",
        "5audit.org.apache.juli.AsyncFileHandler.maxDays = 365",
        "5audit.org.apache.juli.AsyncFileHandler.encoding = UTF-8",
        "5audit.org.apache.juli.AsyncFileHandler.formatter = org.apache.juli.VerbatimFormatter",
        "dev.directupload.audit.level = INFO",
        "dev.directupload.audit.handlers = 5audit.org.apache.juli.AsyncFileHandler",
        "dev.directupload.audit.useParentHandlers = false", ""));
    List<String> properties = new ArrayList<>(settings("-D"));
    properties.add("-Djava.util.logging.manager=org.apache.juli.ClassLoaderLogManager");
    properties.add("-Djava.util.logging.config.file=" + config);
    try (ContainerProcess tomcat = ContainerProcess.tomcat("tomcat-11", properties, List.of())) {
      ApiClient app = new ApiClient(tomcat.url("/direct-upload"));
      app.awaitCompleteList();
      String id = app.presign("audited.txt", "text/plain", 3).get("id").getAsString();
      assertEquals(404, app.post("api/uploads/" + "C".repeat(22) + "/complete", "{}")
          .statusCode());
      List<String> lines = List.of();
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (lines.size() < 2 && System.nanoTime() < deadline) {
        try (var files = Files.list(logs)) {
          Path log = files.filter(f -> f.getFileName().toString()
              .startsWith("direct-upload-audit.")).findFirst().orElse(null);
          lines = log == null ? List.of() : Files.readAllLines(log);
        }
        java.util.concurrent.locks.LockSupport.parkNanos(100_000_000L);
      }
      assertEquals(2, lines.size(), lines.toString());
      assertTrue(lines.get(0).startsWith("{\"time\":") && lines.get(0).contains(id),
          lines.get(0));
      assertTrue(lines.get(1).contains("\"outcome\":\"NOT_FOUND\""), lines.get(1));
    }
  }

  @Test
  void aMissingBucketStopsTheDeploymentNamingTheSetting() throws Exception {
    List<String> parameters = List.of("direct-upload.endpoint=" + store.endpoint());
    ContainerProcess.Failure failure =
        ContainerProcess.tomcatFailing("tomcat-11", List.of(), parameters);
    assertTrue(failure.log().contains("Invalid setting 'direct-upload.bucket'"), failure.log());
  }

  /** The settings as {@code name=value}, each after {@code prefix} ("-D" for system properties). */
  private static List<String> settings(String prefix) {
    return List.of(
        prefix + "direct-upload.bucket=" + BUCKET,
        prefix + "direct-upload.endpoint=" + store.endpoint(),
        prefix + "direct-upload.region=" + LocalS3.REGION,
        prefix + "direct-upload.path-style=true");
  }

  /** The war must exist: these tests run after package. */
  static Path war() {
    assertTrue(Files.isRegularFile(WAR), "run after package: no " + WAR.toAbsolutePath());
    return WAR.toAbsolutePath();
  }

  static String classPath(String container) {
    Path dir = Path.of("target", "containers", container);
    assertTrue(Files.isDirectory(dir), "no " + dir + ": run through mvn verify");
    return dir.toAbsolutePath() + File.separator + "*";
  }

  static List<String> javaCommand() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    return command;
  }
}
