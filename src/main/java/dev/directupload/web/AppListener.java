package dev.directupload.web;

import dev.directupload.config.InvalidSettingException;
import dev.directupload.config.SettingSource;
import dev.directupload.config.Settings;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.upload.BucketIndex;
import dev.directupload.upload.UploadService;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.HttpConstraintElement;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletSecurityElement;
import jakarta.servlet.annotation.ServletSecurity;
import java.time.Clock;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The composition root: reads the settings, builds storage, index and service, and registers the
 * servlets with their dependencies. Everything it starts it stops in {@link #contextDestroyed}.
 *
 * <p>Declared in {@code WEB-INF/web.xml} rather than with {@code @WebListener}: the WAR then
 * needs no annotation scanning, so it starts the same on a Jetty without {@code ee10-annotations}
 * and deploys faster everywhere.
 */
public final class AppListener implements ServletContextListener {
  private static final System.Logger LOG = System.getLogger(AppListener.class.getName());

  private DefaultCredentialsProvider credentials;
  private S3ObjectStore store;
  private Housekeeping housekeeping;

  @Override
  public void contextInitialized(ServletContextEvent event) {
    ServletContext context = event.getServletContext();
    Settings settings;
    try {
      settings = Settings.load(SettingSource.standard(context::getInitParameter));
    } catch (InvalidSettingException e) {
      LOG.log(System.Logger.Level.ERROR, "direct-upload cannot start: " + e.getMessage());
      throw e;
    }
    LOG.log(System.Logger.Level.INFO, "direct-upload starting with " + settings.describe());

    // Credentials only ever come from the AWS chain: environment, system properties, profile,
    // container or instance role. They are never logged and never reach the page.
    credentials = DefaultCredentialsProvider.builder().build();
    store = S3ObjectStore.create(settings, credentials);
    MemoryRegistry registry = new MemoryRegistry();
    Clock clock = Clock.systemUTC();
    // The index is read from the bucket in the background: the app answers at once.
    BucketIndex index = new BucketIndex(settings, store, registry, clock);
    UploadService service = new UploadService(settings, store, registry, clock, index);
    housekeeping = new Housekeeping(service, Optional.of(index), settings.indexRefresh());
    Callers callers = new Callers(settings);

    // Every filter in front of the API supports async: request bodies are read without
    // holding a thread (see ApiServlet#withJsonBody).
    String bucketOrigin = Origins.of(store.publicUrl(settings.keyPrefix()));
    addFilter(context, "security-headers", new SecurityHeadersFilter(bucketOrigin))
        .addMappingForUrlPatterns(null, false, "/*");
    addFilter(context, "origin-check", new OriginCheckFilter(settings))
        .addMappingForUrlPatterns(null, false, "/api/*");
    if (settings.rateLimit() > 0) {
      addFilter(context, "rate-limit", new RateLimitFilter(settings.rateLimit()))
          .addMappingForServletNames(null, false, "uploads", "files");
    }
    // Health stays open for load balancers; everything that touches files needs the role.
    Optional<String> role = settings.authRole();
    register(context, "config", new ConfigServlet(service, callers), role, "/api/config");
    register(context, "uploads", new UploadsServlet(service, callers, settings.bodyTimeout()),
        role, "/api/uploads", "/api/uploads/*");
    register(context, "files", new FilesServlet(service, callers), role, "/api/files",
        "/api/files/*");
    register(context, "health", new HealthServlet(service, role.isPresent()), Optional.empty(),
        "/api/health");
    register(context, "api-not-found", new NotFoundServlet(), Optional.empty(), "/api/*");
  }

  private static FilterRegistration.Dynamic addFilter(ServletContext context, String name,
      Filter filter) {
    FilterRegistration.Dynamic registration = context.addFilter(name, filter);
    registration.setAsyncSupported(true);
    return registration;
  }

  private static void register(ServletContext context, String name, ApiServlet servlet,
      Optional<String> role, String... mappings) {
    ServletRegistration.Dynamic registration = context.addServlet(name, servlet);
    registration.addMapping(mappings);
    registration.setAsyncSupported(true);
    // The container authenticates (its realm, login service or SSO valve); we only say who may
    // call. Each caller then owns their uploads (request.getRemoteUser()).
    role.ifPresent(r -> registration.setServletSecurity(
        new ServletSecurityElement(new HttpConstraintElement(
            ServletSecurity.TransportGuarantee.NONE, r))));
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    if (housekeeping != null) {
      housekeeping.close();
    }
    if (store != null) {
      store.close();
    }
    if (credentials != null) {
      credentials.close();
    }
  }
}
