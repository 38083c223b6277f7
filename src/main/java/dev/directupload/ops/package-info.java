/**
 * Operations: Prometheus metrics, the audit trail and the readiness of the application, for the
 * people and machines that run it.
 */
package dev.directupload.ops;
