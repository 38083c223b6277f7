package dev.directupload.config;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where raw setting values come from. The standard order lets an operator override a value baked
 * into a context file without editing it: system property, then environment, then context
 * parameter.
 */
@FunctionalInterface
public interface SettingSource {

  /** The raw value of the setting with this short name (for example {@code bucket}), or null. */
  String get(String name);

  /**
   * System property {@code direct-upload.<name>}, then environment variable
   * {@code DIRECT_UPLOAD_<NAME>}, then {@code contextParameters} with the property's name.
   */
  static SettingSource standard(Function<String, String> contextParameters) {
    return standard(System.getProperties()::getProperty, System.getenv(), contextParameters);
  }

  /** The standard order over explicit sources, for tests. */
  static SettingSource standard(
      Function<String, String> systemProperties,
      Map<String, String> environment,
      Function<String, String> contextParameters) {
    Objects.requireNonNull(contextParameters, "contextParameters");
    return name -> {
      String property = Settings.PROPERTY_PREFIX + name;
      String value = systemProperties.apply(property);
      if (value == null) {
        value = environment.get(environmentName(name));
      }
      if (value == null) {
        value = contextParameters.apply(property);
      }
      return value;
    };
  }

  /** {@code max-file-size} becomes {@code DIRECT_UPLOAD_MAX_FILE_SIZE}. */
  static String environmentName(String name) {
    return "DIRECT_UPLOAD_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
  }
}
