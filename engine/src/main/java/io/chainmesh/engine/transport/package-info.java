/**
 * Connection internals of the engine: Netty handlers for the handshake and the session, per-link outbound queues, heartbeats and backoff.
 */
package io.chainmesh.engine.transport;
