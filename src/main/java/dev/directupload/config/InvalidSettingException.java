package dev.directupload.config;

/**
 * A setting has a value the application cannot run with. Thrown at start-up so the deployment
 * fails loudly instead of serving with a half-understood configuration.
 */
public final class InvalidSettingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String name;

  public InvalidSettingException(String name, String message) {
    super("Invalid setting '" + Settings.PROPERTY_PREFIX + name + "' (env "
        + SettingSource.environmentName(name) + "): " + message);
    this.name = name;
  }

  /** The setting's short name, for example {@code max-file-size}. */
  public String settingName() {
    return name;
  }
}
