package dev.directupload.ops;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.lang.management.ManagementFactory;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.ConcurrentHashMap;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/**
 * The container's request thread pools, read from the MBeans the container registers: Tomcat's
 * {@code <domain>:type=ThreadPool,name="http-nio-8080"} (always there, standalone or embedded)
 * and Jetty's {@code org.eclipse.jetty.util.thread:type=queuedthreadpool,id=0} (there when
 * Jetty's {@code jmx} module is on). Read through JMX, so the WAR needs no container class.
 * Pools are looked for at each scrape, since connectors may start after the application.
 */
final class ContainerThreadPools {
  private static final System.Logger LOG =
      System.getLogger(ContainerThreadPools.class.getName());
  private static final ObjectName TOMCAT = name("*:type=ThreadPool,*");
  private static final ObjectName JETTY =
      name("org.eclipse.jetty.util.thread:type=queuedthreadpool,*");

  private final MeterRegistry registry;
  private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
  private final Set<ObjectName> bound = ConcurrentHashMap.newKeySet();

  ContainerThreadPools(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Adds gauges for pools that appeared since the last look. */
  void bindNew() {
    for (ObjectName pool : server.queryNames(TOMCAT, null)) {
      // Tomcat also registers the pool's socket properties under the same name, with a subType.
      if (pool.getKeyProperty("name") != null && pool.getKeyProperty("subType") == null
          && bound.add(pool)) {
        Tags tags = Tags.of("container", "tomcat", "pool", poolLabel(pool.getKeyProperty("name")));
        gauge("busy", "Request threads working", pool, "currentThreadsBusy", tags);
        gauge("current", "Request threads started", pool, "currentThreadCount", tags);
        gauge("max", "Request threads the pool may start", pool, "maxThreads", tags);
      }
    }
    for (ObjectName pool : server.queryNames(JETTY, null)) {
      if (bound.add(pool)) {
        String id = pool.getKeyProperty("id");
        Tags tags = Tags.of("container", "jetty", "pool",
            "queuedthreadpool-" + (id == null ? "0" : poolLabel(id)));
        gauge("busy", "Request threads working", pool, "busyThreads", tags);
        gauge("current", "Request threads started", pool, "threads", tags);
        gauge("max", "Request threads the pool may start", pool, "maxThreads", tags);
        Gauge.builder("direct_upload.container.queue.size", () -> read(pool, "queueSize"))
            .description("Jobs waiting for a request thread").tags(tags).strongReference(true)
            .register(registry);
      }
    }
  }

  private void gauge(String kind, String description, ObjectName pool, String attribute,
      Tags tags) {
    Gauge.builder("direct_upload.container.threads." + kind, () -> read(pool, attribute))
        .description(description + " (the container's pool serving requests)")
        .tags(tags).strongReference(true).register(registry);
  }

  private double read(ObjectName pool, String attribute) {
    try {
      Object value = server.getAttribute(pool, attribute);
      return value instanceof Number n && n.doubleValue() >= 0 ? n.doubleValue() : Double.NaN;
    } catch (JMException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "Cannot read " + attribute + " of " + pool, e);
      return Double.NaN; // the pool was stopped, or the attribute is not there
    }
  }

  /**
   * "http-nio-8080" as it is, "http-nio-127.0.0.1-8080" without the address: a label never
   * holds an address. The name is one per connector, so the values are few.
   */
  static String poolLabel(String name) {
    String unquoted = name.startsWith("\"") && name.endsWith("\"") && name.length() > 1
        ? name.substring(1, name.length() - 1) : name;
    StringJoiner kept = new StringJoiner("-");
    for (String part : unquoted.split("-")) {
      if (!part.contains(".") && !part.contains(":") && !part.contains("%")) {
        kept.add(part);
      }
    }
    return kept.toString();
  }

  private static ObjectName name(String pattern) {
    try {
      return new ObjectName(pattern);
    } catch (MalformedObjectNameException e) {
      throw new IllegalStateException(e);
    }
  }
}
