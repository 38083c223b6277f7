package dev.directupload.browser;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through {@code /usr/bin/chromedriver} with a fresh profile
 * and download folder that are deleted on close. Nothing is downloaded at test time: the
 * driver's path is given, so Selenium Manager is never asked for one.
 */
final class Chromium implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/chromium");
  static final Path DRIVER = Path.of("/usr/bin/chromedriver");
  /** Long enough for a slow CI machine; a passing wait returns as soon as its condition holds. */
  static final Duration WAIT = Duration.ofSeconds(20);
  static final Path SCREENSHOTS = Path.of("target", "screenshots");

  /**
   * Selenium warns that it has no DevTools bindings for this Chromium version. Only
   * chromedriver's own commands are used here, never DevTools: the warning is noise. Held in a
   * field because java.util.logging keeps only weak references to its loggers.
   */
  private static final Logger CDP_VERSION_LOG =
      Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");

  static {
    CDP_VERSION_LOG.setLevel(Level.SEVERE);
  }

  final ChromeDriver driver;
  /** Where Chromium saves downloads, without asking. */
  final Path downloads;
  private final Path profile;
  /** Console entries read from the browser (which forgets them once read) but not yet judged. */
  private final List<LogEntry> console = new ArrayList<>();

  private Chromium(ChromeDriver driver, Path profile, Path downloads) {
    this.driver = driver;
    this.profile = profile;
    this.downloads = downloads;
  }

  /** Starts a browser whose window is {@code width} by {@code height} CSS pixels. */
  static Chromium start(int width, int height) throws IOException {
    requireExecutable(BINARY, "Chromium");
    requireExecutable(DRIVER, "ChromeDriver");
    Path profile = Files.createTempDirectory("direct-upload-chromium-profile");
    Path downloads = Files.createTempDirectory("direct-upload-chromium-downloads");
    ChromeOptions options = new ChromeOptions();
    options.setBinary(BINARY.toFile());
    options.addArguments(
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", "--no-default-browser-check", "--disable-quic", "--disable-extensions",
        "--lang=en-US", "--window-size=" + width + "," + height,
        "--user-data-dir=" + profile.toAbsolutePath());
    options.setExperimentalOption("prefs", Map.of(
        "download.default_directory", downloads.toAbsolutePath().toString(),
        "download.prompt_for_download", false,
        "intl.accept_languages", "en-US"));
    LoggingPreferences logs = new LoggingPreferences();
    logs.enable(LogType.BROWSER, Level.ALL);
    options.setCapability(ChromeOptions.LOGGING_PREFS, logs);
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(DRIVER.toFile())
        .usingAnyFreePort()
        .build();
    try {
      return new Chromium(new ChromeDriver(service, options), profile, downloads);
    } catch (RuntimeException e) {
      service.stop();
      deleteTree(profile);
      deleteTree(downloads);
      throw e;
    }
  }

  /** A missing browser fails the suite (CI installs it), it never skips it. */
  private static void requireExecutable(Path path, String what) {
    if (!Files.isExecutable(path)) {
      throw new IllegalStateException("Browser tests need " + what + " at " + path
          + ", which is missing: install it with 'apt-get install -y chromium chromium-driver'"
          + " (.ci/run does this when /usr/bin/chromium is missing)");
    }
  }

  /** Waits up to {@link #WAIT} for {@code condition} to return neither null nor false. */
  <T> T waitUntil(String what, Function<WebDriver, T> condition) {
    return new WebDriverWait(driver, WAIT, Duration.ofMillis(50))
        .withMessage(() -> "expected " + what)
        .until(condition);
  }

  Object js(String script, Object... args) {
    return driver.executeScript(script, args);
  }

  /** The console entries since the last {@link #assertNoConsoleErrors}, in order. */
  synchronized List<LogEntry> console() {
    driver.manage().logs().get(LogType.BROWSER).forEach(console::add);
    return List.copyOf(console);
  }

  /**
   * Fails, listing them, if the console got errors other than {@code expected} ones since the
   * last call; either way, the next call judges only what comes after this one.
   */
  synchronized void assertNoConsoleErrors(Predicate<LogEntry> expected) {
    List<LogEntry> errors = console().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .filter(expected.negate())
        .toList();
    console.clear();
    if (!errors.isEmpty()) {
      throw new AssertionError("expected no errors in the browser console but found:\n"
          + errors.stream().map(LogEntry::toString).collect(Collectors.joining("\n")));
    }
  }

  void assertNoConsoleErrors() {
    assertNoConsoleErrors(e -> false);
  }

  /** Saves what the window shows as {@code target/screenshots/<name>.png}. */
  Path screenshot(String name) throws IOException {
    Files.createDirectories(SCREENSHOTS);
    Path target = SCREENSHOTS.resolve(name + ".png");
    Files.write(target, driver.getScreenshotAs(OutputType.BYTES));
    return target;
  }

  /** Like {@link #screenshot}, with the window made as tall as the page for the moment. */
  Path fullPageScreenshot(String name) throws IOException {
    Dimension size = driver.manage().window().getSize();
    long chrome = (Long) js("return window.outerHeight - window.innerHeight");
    long page = (Long) js("return document.documentElement.scrollHeight");
    driver.manage().window().setSize(new Dimension(size.getWidth(), (int) (page + chrome)));
    try {
      return screenshot(name);
    } finally {
      driver.manage().window().setSize(size);
    }
  }

  @Override
  public void close() {
    try {
      driver.quit(); // also stops the chromedriver process it started
    } finally {
      deleteTree(profile);
      deleteTree(downloads);
    }
  }

  /**
   * Deletes a folder the browser wrote to. Chromium may still be flushing its profile for a
   * moment after quitting, so a failed attempt is repeated until a deadline.
   */
  private static void deleteTree(Path root) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(path);
        }
        return;
      } catch (java.nio.file.NoSuchFileException gone) {
        return;
      } catch (IOException e) {
        if (System.nanoTime() > deadline) {
          throw new UncheckedIOException("could not delete " + root, e);
        }
        LockSupport.parkNanos(Duration.ofMillis(50).toNanos()); // poll interval
      }
    }
  }
}
