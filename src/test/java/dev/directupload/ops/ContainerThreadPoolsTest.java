package dev.directupload.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** A pool's label is its connector's name without the address it is bound to, if any. */
class ContainerThreadPoolsTest {
  @Test
  void poolLabelsNeverHoldAnAddress() {
    assertEquals("http-nio-8080", ContainerThreadPools.poolLabel("\"http-nio-8080\""));
    assertEquals("http-nio-8080", ContainerThreadPools.poolLabel("\"http-nio-127.0.0.1-8080\""));
    assertEquals("https-jsse-nio-8443",
        ContainerThreadPools.poolLabel("\"https-jsse-nio-0:0:0:0:0:0:0:1-8443\""));
    assertEquals("0", ContainerThreadPools.poolLabel("0"));
  }
}
