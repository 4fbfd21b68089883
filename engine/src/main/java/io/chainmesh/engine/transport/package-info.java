/**
 * Connection internals of the engine: Netty handlers for the handshake, the encrypted record layer
 * ({@link io.chainmesh.engine.transport.RecordSealer}, {@link io.chainmesh.engine.transport.RecordOpener}) and the
 * session, per-link outbound queues, heartbeats and backoff.
 */
package io.chainmesh.engine.transport;
