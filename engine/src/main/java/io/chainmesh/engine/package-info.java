/**
 * The engine: Netty transport, authenticated handshake, computed overlay, Disruptor pipeline, signed broadcast and direct messages; {@code ChainmeshNode} is the entry point.
 */
package io.chainmesh.engine;
