package dev.directupload.it;

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
      ContainerRoundTrip.run(new ApiClient(tomcat.url("/direct-upload")), "Tomcat 11");
    }
  }

  @Test
  void tomcat101ConfiguredThroughContextParameters() throws Exception {
    try (ContainerProcess tomcat = ContainerProcess.tomcat("tomcat-10.1", List.of(),
        settings(""))) {
      ContainerRoundTrip.run(new ApiClient(tomcat.url("/direct-upload")), "Tomcat 10.1");
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
