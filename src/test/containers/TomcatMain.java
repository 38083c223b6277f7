import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;

/**
 * Starts an embedded Tomcat that deploys a WAR file, for the container tests. It is run with
 * Java's source launcher ({@code java -cp <tomcat jars> TomcatMain.java ...}), so it is compiled
 * against whichever Tomcat version is on that classpath: 10.1 and 11 from one file.
 *
 * <p>Arguments: war file, context path, base directory, port file, then context parameters as
 * {@code name=value}. When started, it writes its HTTP port to the port file. With the system
 * property {@code tomcat.context-xml}, naming (JNDI) is on and that file is the web app's
 * {@code context.xml}, as {@code conf/Catalina/localhost/<app>.xml} would be in a Tomcat install.
 */
public final class TomcatMain {
  public static void main(String[] args) throws Exception {
    Path war = Path.of(args[0]).toAbsolutePath();
    String contextPath = args[1];
    Path base = Path.of(args[2]).toAbsolutePath();
    Path portFile = Path.of(args[3]);
    Files.createDirectories(base.resolve("webapps"));

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    tomcat.getHost().setAppBase(base.resolve("webapps").toString());
    // Without Jasper, Tomcat's default web.xml (which names the JSP servlet) cannot be applied:
    // wire its default servlet and MIME types by hand instead.
    tomcat.setAddDefaultWebXmlToWebapp(false);
    String contextXml = System.getProperty("tomcat.context-xml");
    if (contextXml != null) {
      tomcat.enableNaming();
    }
    Context context = tomcat.addWebapp(contextPath, war.toString());
    if (contextXml != null) {
      context.setConfigFile(Path.of(contextXml).toUri().toURL());
    }
    Tomcat.addServlet(context, "default", "org.apache.catalina.servlets.DefaultServlet");
    context.addServletMappingDecoded("/", "default");
    Tomcat.addDefaultMimeTypeMappings(context);
    for (int i = 4; i < args.length; i++) {
      String[] pair = args[i].split("=", 2);
      context.addParameter(pair[0], pair[1]);
    }
    tomcat.start();
    if (!context.getState().isAvailable()) {
      System.err.println("Context " + contextPath + " failed to start: " + context.getState());
      tomcat.stop();
      System.exit(2);
    }
    Path tmp = Files.createTempFile(portFile.getParent(), "port", ".tmp");
    Files.writeString(tmp, Integer.toString(connector.getLocalPort()));
    Files.move(tmp, portFile);
    tomcat.getServer().await();
  }
}
