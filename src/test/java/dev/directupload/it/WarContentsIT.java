package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The WAR that {@code package} built ships the application and its runtime libraries only:
 * no test-scope jar (Jetty, S3Proxy, JUnit, Mockito), no servlet API, no unused SDK HTTP client.
 */
class WarContentsIT {
  private static final Path WAR = Path.of("target", "direct-upload.war");
  private static Set<String> entries;
  private static List<String> libraries;

  @BeforeAll
  static void read() throws Exception {
    assertTrue(Files.isRegularFile(WAR), "run after package: no " + WAR.toAbsolutePath());
    try (JarFile war = new JarFile(WAR.toFile())) {
      entries = war.stream().map(e -> e.getName()).collect(Collectors.toSet());
    }
    libraries = entries.stream().filter(e -> e.startsWith("WEB-INF/lib/"))
        .map(e -> e.substring("WEB-INF/lib/".length())).sorted().toList();
  }

  @Test
  void shipsThePageAndTheCompositionRoot() {
    for (String entry : List.of("index.html", "app.css", "js/client.js", "js/http.js",
        "js/multipart.js", "js/resume.js", "js/types.js", "js/format.js", "js/page.js",
        "js/uploads.js", "js/files.js", "js/thumbnails.js", "js/exif.js", "js/ui.js",
        "WEB-INF/web.xml",
        "WEB-INF/classes/dev/directupload/web/AppListener.class")) {
      assertTrue(entries.contains(entry), entry + " missing from the WAR");
    }
  }

  @Test
  void shipsNoTestScopeOrProvidedJar() {
    for (String forbidden : List.of("jetty-", "s3proxy", "junit", "mockito", "byte-buddy",
        "jakarta.servlet-api", "logback", "jimfs", "opentest4j")) {
      List<String> found = libraries.stream().filter(l -> l.startsWith(forbidden)).toList();
      assertEquals(List.of(), found, "test or provided jars in the WAR");
    }
    assertTrue(entries.stream().noneMatch(e -> e.contains("dev/directupload/local/")),
        "the local launcher is test code");
  }

  @Test
  void shipsExactlyOneSdkHttpClient() {
    List<String> clients = libraries.stream().filter(l -> l.matches(
        "(apache-client|apache5-client|netty-nio-client|url-connection-client|aws-crt-client)-.*"))
        .toList();
    assertEquals(1, clients.size(), "SDK HTTP clients: " + clients);
    assertTrue(clients.get(0).startsWith("apache5-client-"), clients.get(0));
    assertTrue(libraries.stream().anyMatch(l -> l.startsWith("gson-")));
    assertTrue(libraries.stream().anyMatch(l -> l.startsWith("slf4j-jdk14-")),
        "an SLF4J provider, or the SDK's log lines are dropped");
    assertTrue(libraries.stream().anyMatch(l -> l.startsWith("s3-2.")));
  }
}
