package dev.directupload.upload;

import dev.directupload.events.PreCreateHook;
import dev.directupload.events.WebhookDeliverer;
import java.util.Optional;

/**
 * What the use cases ask and tell outside the application; each may be absent.
 *
 * @param preCreateHook asked before each upload is signed
 * @param webhooks told of every completed, deleted and expired upload
 * @param observer counts and writes down what happened
 */
public record Integrations(Optional<PreCreateHook> preCreateHook,
    Optional<WebhookDeliverer> webhooks, UploadObserver observer) {

  public static final Integrations NONE =
      new Integrations(Optional.empty(), Optional.empty(), UploadObserver.NONE);
}
