package dev.directupload.local;

import dev.directupload.web.AppListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.DefaultServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Credential;

/**
 * The application in an embedded Jetty, shaped like a deployed WAR: the same {@code webapp/}
 * directory as the web root, the same {@link AppListener} as the composition root, settings
 * through the same channels (context parameters here, system properties or environment too).
 */
public final class LocalApp {
  private LocalApp() {}

  /** The web root in a source checkout; fails loudly, naming the path it tried. */
  public static Path webRoot() {
    Path root = Path.of("webapp").toAbsolutePath();
    if (!Files.isRegularFile(root.resolve("index.html"))) {
      throw new IllegalStateException("No webapp/index.html under " + root
          + ": run from the project's top directory");
    }
    return root;
  }

  /**
   * A server (not started) on {@code port} (0: any free port) at {@code contextPath}, bound to
   * loopback, with these {@code direct-upload.*} context parameters.
   */
  public static Server newServer(int port, String contextPath, Map<String, String> parameters) {
    return newServer(port, contextPath, parameters, List.of());
  }

  /** A user the container knows, with one role. */
  public record User(String name, String password, String role) {}

  /**
   * The same, with container-managed authentication when {@code users} is not empty: HTTP Basic
   * over a {@link HashLoginService}, as a Jetty login service or a Tomcat realm does it for a
   * deployed WAR.
   */
  public static Server newServer(int port, String contextPath, Map<String, String> parameters,
      List<User> users) {
    Server server = new Server();
    // No "Server: Jetty(12.x)" header: it tells an attacker which version to look up.
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler(contextPath);
    context.setBaseResourceAsPath(webRoot());
    context.setWelcomeFiles(new String[] {"index.html"});
    // As in a WAR: the deployment descriptor is never served as a file.
    context.setProtectedTargets(new String[] {"/WEB-INF", "/META-INF"});
    parameters.forEach(context::setInitParameter);
    context.addEventListener(new AppListener());
    context.addServlet(DefaultServlet.class, "/");
    if (!users.isEmpty()) {
      UserStore store = new UserStore();
      users.forEach(u -> store.addUser(u.name(), Credential.getCredential(u.password()),
          new String[] {u.role()}));
      HashLoginService logins = new HashLoginService("direct-upload");
      logins.setUserStore(store);
      // Only the login service and the authenticator: which paths need a role is the app's
      // own auth-role setting, as in a deployed WAR.
      ConstraintSecurityHandler security = new ConstraintSecurityHandler();
      security.setLoginService(logins);
      security.setAuthenticator(new BasicAuthenticator());
      context.setSecurityHandler(security);
    }
    server.setHandler(context);
    server.setStopAtShutdown(false);
    return server;
  }

  /** The URL of the started server's application, ending in '/'. */
  public static String url(Server server, String contextPath) {
    int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    String path = contextPath.endsWith("/") ? contextPath : contextPath + "/";
    return "http://localhost:" + port + path;
  }
}
