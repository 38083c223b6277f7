package dev.directupload.upload;

import dev.directupload.registry.MultipartPlan;
import dev.directupload.storage.StoredPart;
import java.util.List;

/** Where an unfinished multipart upload stands: its plan and the parts the store holds. */
public record PartsInStore(MultipartPlan plan, List<StoredPart> parts) {}
