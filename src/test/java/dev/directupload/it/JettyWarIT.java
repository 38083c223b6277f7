package dev.directupload.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.directupload.local.LocalS3;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import org.eclipse.jetty.ee.webapp.WebAppClassLoader;
import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.jmx.MBeanContainer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The built WAR file deployed into Jetty 12's {@code WebAppContext} (ee10, annotation support
 * on, as a jetty-base with {@code ee10-deploy} and {@code ee10-annotations} has it) at
 * {@code /direct-upload}, configured through context parameters, runs the whole round trip.
 */
class JettyWarIT {
  private static final String BUCKET = "jetty";
  private static LocalS3 store;
  private static Server server;

  @BeforeAll
  static void start() throws Exception {
    store = LocalS3.inMemory(true).withBucket(BUCKET);
    server = new Server();
    // Jetty's jmx module: its thread pool in JMX, where the WAR's metrics find it.
    server.addBean(new MBeanContainer(ManagementFactory.getPlatformMBeanServer()));
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    WebAppContext webapp = new WebAppContext();
    webapp.setContextPath("/direct-upload");
    webapp.setWar(TomcatIT.war().toString());
    webapp.addConfiguration(new AnnotationConfiguration());
    webapp.setInitParameter("direct-upload.bucket", BUCKET);
    webapp.setInitParameter("direct-upload.endpoint", store.endpoint().toString());
    webapp.setInitParameter("direct-upload.region", LocalS3.REGION);
    webapp.setInitParameter("direct-upload.path-style", "true");
    webapp.setThrowUnavailableOnStartupException(true);
    // A real Jetty keeps its own logging out of webapps; this test's class path has S3Proxy's
    // Logback, which the WAR's SLF4J would otherwise find and fail to use.
    webapp.setClassLoader(new WebAppClassLoader(new WithoutTestLogging(
        JettyWarIT.class.getClassLoader()), webapp));
    server.setHandler(webapp);
    server.start();
  }

  /** The test class path minus Logback and its SLF4J service registration. */
  private static final class WithoutTestLogging extends ClassLoader {
    private static final String SLF4J_SERVICE = "META-INF/services/org.slf4j.spi.SLF4JServiceProvider";

    WithoutTestLogging(ClassLoader parent) {
      super(parent);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
      if (name.startsWith("ch.qos.logback.")) {
        throw new ClassNotFoundException(name);
      }
      return super.loadClass(name, resolve);
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
      return name.equals(SLF4J_SERVICE) ? Collections.emptyEnumeration() : super.getResources(name);
    }
  }

  @AfterAll
  static void stop() throws Exception {
    server.stop();
    store.close();
  }

  @Test
  void roundTripThroughTheDeployedWar() throws Exception {
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    ApiClient app = new ApiClient("http://127.0.0.1:" + port + "/direct-upload/");
    Scrape metrics = ContainerRoundTrip.run(app, "Jetty 12");
    assertTrue(metrics.value("direct_upload_container_threads_max", "container", "jetty") > 0,
        metrics.text);
    // The application classes came from the WAR, not from this test's class path.
    assertEquals(200, app.get("api/config").statusCode());
  }
}
