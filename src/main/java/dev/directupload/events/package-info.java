/**
 * What the host application hears of uploads: events recorded in a durable outbox and delivered
 * as Standard Webhooks with retries, and the synchronous pre-create hook that may refuse an upload.
 */
package dev.directupload.events;
