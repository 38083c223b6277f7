package dev.directupload.web;

import dev.directupload.config.InvalidSettingException;
import dev.directupload.config.SettingSource;
import dev.directupload.config.Settings;
import dev.directupload.events.BucketOutbox;
import dev.directupload.events.EventRecorder;
import dev.directupload.events.Outbox;
import dev.directupload.events.PreCreateHook;
import dev.directupload.events.WebhookDeliverer;
import dev.directupload.events.WebhookSigner;
import dev.directupload.ops.AuditTrail;
import dev.directupload.ops.IndexRefreshes;
import dev.directupload.ops.Metrics;
import dev.directupload.ops.Networks;
import dev.directupload.ops.Observers;
import dev.directupload.ops.Readiness;
import dev.directupload.registry.BucketImports;
import dev.directupload.registry.Database;
import dev.directupload.registry.MemoryRegistry;
import dev.directupload.registry.PostgresOutbox;
import dev.directupload.registry.PostgresRegistry;
import dev.directupload.registry.Registry;
import dev.directupload.storage.ObjectStore;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.upload.BucketImport;
import dev.directupload.upload.BucketIndex;
import dev.directupload.upload.IndexSource;
import dev.directupload.upload.Integrations;
import dev.directupload.upload.UploadObserver;
import dev.directupload.upload.UploadService;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.HttpConstraintElement;
import jakarta.servlet.HttpMethodConstraintElement;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.ServletSecurityElement;
import jakarta.servlet.annotation.ServletSecurity;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import javax.sql.DataSource;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

/**
 * The composition root: reads the settings, builds storage, registry, events and service, and
 * registers the servlets with their dependencies. Everything it starts it stops in
 * {@link #contextDestroyed}, last started first.
 *
 * <p>Declared in {@code WEB-INF/web.xml} rather than with {@code @WebListener}: the WAR then
 * needs no annotation scanning, so it starts the same on a Jetty without {@code ee10-annotations}
 * and deploys faster everywhere.
 */
public final class AppListener implements ServletContextListener {
  private static final System.Logger LOG = System.getLogger(AppListener.class.getName());

  /** What to close when the application stops, last opened first. */
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

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
    Networks metricsAddresses = metricsAddresses(settings);
    Clock clock = Clock.systemUTC();
    String instance = instanceId();
    Optional<Metrics> metrics = settings.metrics() ? Optional.of(open(new Metrics()))
        : Optional.empty();

    // Credentials only ever come from the AWS chain: environment, system properties, profile,
    // container or instance role. They are never logged and never reach the page.
    DefaultCredentialsProvider credentials = open(DefaultCredentialsProvider.builder().build());
    S3ObjectStore s3 = open(S3ObjectStore.create(settings, credentials));
    ObjectStore store = metrics.map(m -> m.metered(s3)).orElse(s3);
    Optional<WebhookSigner> signer = settings.webhookSecret().map(WebhookSigner::parse);

    // The registry: PostgreSQL when configured, else the heap, filled from the bucket. Either
    // way it is read in the background: the app answers at once.
    Registry registry;
    IndexSource index;
    Optional<WebhookDeliverer> webhooks;
    Supplier<Optional<String>> databaseProblem = Optional::empty;
    if (settings.databaseUrl().isPresent() || settings.databaseJndi().isPresent()) {
      Database database = open(settings.databaseJndi().isPresent()
          ? Database.start(lookUp(settings.databaseJndi().get()),
              Database.Settings.DEFAULT_RETRY_DELAY)
          : Database.start(Database.Settings.of(settings.databaseUrl().get(),
              settings.databaseUser(), settings.databasePassword(),
              settings.databasePoolSize())));
      DataSource dataSource = database.dataSource();
      PostgresRegistry postgres = new PostgresRegistry(dataSource, instance,
          WebhookDeliverer.Options.DEFAULTS.lease(), clock);
      webhooks = deliverer(settings, signer, new PostgresOutbox(dataSource), instance, clock)
          .map(this::open);
      // Closed after the housekeeping that runs it (last opened, first closed).
      index = open(new BucketImport(settings, store, postgres, new BucketImports(dataSource),
          instance, clock));
      registry = postgres;
      databaseProblem = () -> database.status().problem();
    } else {
      webhooks = deliverer(settings, signer,
          new BucketOutbox(store, settings.keyPrefix() + ".direct-upload/outbox/"), instance,
          clock).map(this::open);
      MemoryRegistry memory = new MemoryRegistry(webhooks
          .<EventRecorder>map(d -> d::record).orElse(EventRecorder.NONE));
      index = new BucketIndex(settings, store, memory, clock);
      registry = memory;
    }
    Optional<PreCreateHook> hook = settings.preCreateHookUrl().map(url -> open(new PreCreateHook(
        url, signer.orElseThrow(), settings.preCreateHookTimeout(),
        settings.preCreateHookHeaders(), clock)));
    // What happened is written down (the audit trail, always) and counted (when metrics are on).
    List<UploadObserver> observers = new ArrayList<>(List.of(new AuditTrail(clock)));
    metrics.ifPresent(m -> observers.add(m.observer()));
    UploadObserver observer = Observers.of(observers);
    UploadService service = new UploadService(settings, store, registry, clock, index,
        new Integrations(hook, webhooks, observer));
    IndexRefreshes refreshes = new IndexRefreshes();
    open(new Housekeeping(service, index, settings.indexRefresh(), refreshes::refreshed));
    if (metrics.isPresent()) {
      Metrics m = metrics.get();
      m.watchUploads(registry, index::isLoading);
      if (!settings.indexRefresh().isZero()) {
        m.watchIndexRefresh(refreshes);
      }
      webhooks.ifPresent(w -> w.onFailure(m.watchWebhooks(w)));
    }
    Callers callers = new Callers(settings);
    // Ready when the database (if any) is, the index is read in, and the store answered the
    // service's last look (kept for a few seconds, so probes cost no call to the store).
    Supplier<Optional<String>> database = databaseProblem;
    Readiness readiness = new Readiness(database, service::isIndexComplete,
        service::storeProblem);

    // Every filter in front of the API supports async: request bodies are read without
    // holding a thread (see ApiServlet#withJsonBody).
    String bucketOrigin = Origins.of(store.publicUrl(settings.keyPrefix()));
    // First: it sees every API request to its end, the other filters' refusals included.
    addFilter(context, "requests", new RequestsFilter(metrics.map(Metrics::requests), observer))
        .addMappingForUrlPatterns(null, false, "/api/*", "/s3/*");
    addFilter(context, "security-headers", new SecurityHeadersFilter(bucketOrigin))
        .addMappingForUrlPatterns(null, false, "/*");
    addFilter(context, "cors", new CorsFilter(settings))
        .addMappingForUrlPatterns(null, false, "/api/*", "/s3/*", "/js/*");
    addFilter(context, "origin-check", new OriginCheckFilter(settings))
        .addMappingForUrlPatterns(null, false, "/api/*", "/s3/*");
    if (settings.rateLimit() > 0) {
      addFilter(context, "rate-limit", new RateLimitFilter(settings.rateLimit()))
          .addMappingForServletNames(null, false, "uploads", "files", "s3");
    }
    // Health stays open for load balancers; everything that touches files needs the role.
    Optional<String> role = settings.authRole();
    register(context, "config", new ConfigServlet(service, callers), role, "/api/config");
    register(context, "uploads", new UploadsServlet(service, callers, settings.bodyTimeout()),
        role, "/api/uploads", "/api/uploads/*");
    register(context, "files", new FilesServlet(service, callers), role, "/api/files",
        "/api/files/*");
    register(context, "s3", new CompanionServlet(service, callers, settings.bucket(),
        settings.bodyTimeout(), UploadService.partUrlExpiry(settings)), role, "/s3/*");
    register(context, "health", new HealthServlet(service, role.isPresent(), databaseProblem,
        webhooks), Optional.empty(), "/api/health");
    register(context, "health-live", new ProbeServlet(Optional.empty()), Optional.empty(),
        "/api/health/live");
    register(context, "health-ready", new ProbeServlet(Optional.of(readiness)),
        Optional.empty(), "/api/health/ready");
    // Not behind auth-role: the servlet lets in allowed addresses, or users in metrics-role.
    metrics.ifPresent(m -> register(context, "metrics", new MetricsServlet(m, metricsAddresses,
        settings.metricsRole()), Optional.empty(), "/api/metrics"));
    register(context, "api-not-found", new NotFoundServlet(), Optional.empty(), "/api/*");
  }

  /** The settings check the form of each entry; this finds an octet of 300 before start-up. */
  private static Networks metricsAddresses(Settings settings) {
    try {
      return Networks.parse(settings.metricsAllowedAddresses());
    } catch (IllegalArgumentException e) {
      InvalidSettingException invalid =
          new InvalidSettingException("metrics-allowed-addresses", e.getMessage());
      LOG.log(System.Logger.Level.ERROR, "direct-upload cannot start: " + invalid.getMessage());
      throw invalid;
    }
  }

  private static Optional<WebhookDeliverer> deliverer(Settings settings,
      Optional<WebhookSigner> signer, Outbox outbox, String instance, Clock clock) {
    return settings.webhookUrl().map(url -> {
      WebhookDeliverer.Options d = WebhookDeliverer.Options.DEFAULTS;
      return new WebhookDeliverer(url, signer.orElseThrow(), outbox, instance,
          new WebhookDeliverer.Options(d.connectTimeout(), d.requestTimeout(),
              settings.webhookScanInterval(), d.lease(), d.concurrency(), d.retries()), clock);
    });
  }

  /** The container's data source named {@code name} (Tomcat's Resource, Jetty's jetty-env). */
  private static DataSource lookUp(String name) {
    try {
      InitialContext naming = new InitialContext();
      Object found;
      try {
        found = naming.lookup(name);
      } catch (NamingException e) {
        found = naming.lookup("java:comp/env/" + name); // "jdbc/uploads" as Resource names it
      }
      if (found instanceof DataSource dataSource) {
        return dataSource;
      }
      throw new InvalidSettingException("database-jndi", "expected a javax.sql.DataSource at '"
          + name + "' but found " + (found == null ? "nothing" : found.getClass().getName()));
    } catch (NamingException e) {
      throw new InvalidSettingException("database-jndi", "no DataSource named '" + name
          + "' (looked up as it is and under java:comp/env/): " + e.getMessage());
    }
  }

  /**
   * This instance's name in leases (webhook deliveries, a bucket import): the host's name and
   * random bits, so two instances on one host, or one restarted, never pass for each other.
   */
  private static String instanceId() {
    String host;
    try {
      host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9-]", "-");
    } catch (UnknownHostException e) {
      host = "host";
    }
    byte[] random = new byte[4];
    new SecureRandom().nextBytes(random);
    return (host.length() > 40 ? host.substring(0, 40) : host) + "-"
        + HexFormat.of().formatHex(random);
  }

  private <T extends AutoCloseable> T open(T resource) {
    opened.push(resource);
    return resource;
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
    // call. Each caller then owns their uploads (request.getRemoteUser()). A CORS preflight
    // carries no credentials: OPTIONS is let through to the CORS filter, which answers it.
    role.ifPresent(r -> registration.setServletSecurity(new ServletSecurityElement(
        new HttpConstraintElement(ServletSecurity.TransportGuarantee.NONE, r),
        List.of(new HttpMethodConstraintElement("OPTIONS")))));
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    while (!opened.isEmpty()) {
      AutoCloseable resource = opened.pop();
      try {
        resource.close();
      } catch (Exception e) {
        LOG.log(System.Logger.Level.WARNING, "Could not close " + resource.getClass().getName()
            + " cleanly", e);
      }
    }
  }
}
