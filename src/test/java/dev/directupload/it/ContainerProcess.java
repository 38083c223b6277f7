package dev.directupload.it;

import dev.directupload.local.LocalS3;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A servlet container in a child JVM that this test started and will stop, by its own process
 * handle. Its output goes to {@code target/containers/<name>-*.log} for a failing test to read.
 */
final class ContainerProcess implements AutoCloseable {
  private static final long START_SECONDS = 60;

  private final Process process;
  private final int port;

  private ContainerProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  record Failure(int exitCode, String log) {}

  String url(String contextPath) {
    return "http://127.0.0.1:" + port + contextPath + "/";
  }

  /** Starts Tomcat with the WAR at /direct-upload and waits until it serves. */
  static ContainerProcess tomcat(String version, List<String> systemProperties,
      List<String> contextParameters) throws Exception {
    return started(version, launch(version, systemProperties, contextParameters, null));
  }

  /**
   * As {@link #tomcat}, with naming on, {@code contextXml} as the web app's {@code context.xml}
   * (its {@code <Resource>} elements become JNDI resources) and the jars of
   * {@code target/containers/<version>-lib} (a JDBC pool and driver) on Tomcat's class path, as
   * in the {@code lib/} folder of a Tomcat install.
   */
  static ContainerProcess tomcatWithContextXml(String version, Path contextXml,
      List<String> systemProperties, List<String> contextParameters) throws Exception {
    List<String> properties = new ArrayList<>(systemProperties);
    properties.add("-Dtomcat.context-xml=" + contextXml.toAbsolutePath());
    return started(version, launch(version, properties, contextParameters,
        TomcatIT.classPath(version + "-lib")));
  }

  private static ContainerProcess started(String version, Launch launch) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(START_SECONDS);
    while (!Files.exists(launch.portFile)) {
      if (!launch.process.isAlive()) {
        throw new AssertionError(version + " exited with " + launch.process.exitValue() + ":\n"
            + Files.readString(launch.log));
      }
      if (System.nanoTime() > deadline) {
        launch.process.destroyForcibly();
        throw new AssertionError(version + " did not start in " + START_SECONDS + " s:\n"
            + Files.readString(launch.log));
      }
      launch.process.waitFor(50, TimeUnit.MILLISECONDS);
    }
    return new ContainerProcess(launch.process,
        Integer.parseInt(Files.readString(launch.portFile).trim()));
  }

  /** Starts Tomcat expecting the deployment to fail; answers its exit code and log. */
  static Failure tomcatFailing(String version, List<String> systemProperties,
      List<String> contextParameters) throws Exception {
    Launch launch = launch(version, systemProperties, contextParameters, null);
    if (!launch.process.waitFor(START_SECONDS, TimeUnit.SECONDS)) {
      launch.process.destroyForcibly();
      throw new AssertionError(version + " kept running although the deployment should fail:\n"
          + Files.readString(launch.log));
    }
    return new Failure(launch.process.exitValue(), Files.readString(launch.log));
  }

  private record Launch(Process process, Path portFile, Path log) {}

  /** {@code extraClassPath}: more class path entries after Tomcat's, or null. */
  private static Launch launch(String version, List<String> systemProperties,
      List<String> contextParameters, String extraClassPath) throws IOException {
    Path work = Files.createTempDirectory(Path.of("target"), version + "-");
    Path portFile = work.resolve("port");
    Path log = Path.of("target", "containers", work.getFileName() + ".log");
    List<String> command = new ArrayList<>(TomcatIT.javaCommand());
    command.add("-Daws.accessKeyId=" + LocalS3.ACCESS_KEY);
    command.add("-Daws.secretAccessKey=" + LocalS3.SECRET_KEY);
    command.add("-Daws.disableEc2Metadata=true");
    command.addAll(systemProperties);
    command.add("-cp");
    command.add(TomcatIT.classPath(version)
        + (extraClassPath == null ? "" : File.pathSeparator + extraClassPath));
    command.add(Path.of("src", "test", "containers", "TomcatMain.java").toString());
    command.add(TomcatIT.war().toString());
    command.add("/direct-upload");
    command.add(work.resolve("base").toString());
    command.add(portFile.toString());
    command.addAll(contextParameters);
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(log.toFile())
        .start();
    return new Launch(process, portFile, log);
  }

  /** Ends the JVM at once (SIGKILL): no shutdown hook, no graceful stop, like a crash. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
